; hostile-tfstorm: a triple-fault storm (docs/security.md): two vCPUs
; triple-fault at the same moment, and with restart=on-crash:3 do it
; again three times. The BSP starts the AP, each spins until the other
; is there, then both load an empty IDT and execute UD2. Keel must stop
; the guest once per run, naming one vCPU's triple fault, restart it, and
; stop restarting after three.
; module: name=tfstorm mode=long64 cpus=2 restart=on-crash:3
%include "guests/lib/guest.inc"
%include "guests/lib/apic.inc"

bits 64
org 0x8000
AP_STACK equ 0x7000

start:
    jmp bsp_main
    AP_TRAMPOLINE

bits 64
ap_main:
    lock inc dword [here]
.wait:
    cmp dword [here], 2
    jb .wait
    lidt [rel null_idtr]
    ud2

bsp_main:
    lgdt [rel gdtr]
    X2APIC_ENABLE
    START_AP 1
    lock inc dword [here]
.wait:
    cmp dword [here], 2
    jb .wait
    lidt [rel null_idtr]
    ud2

align 8
here: dd 0
null_idtr:
    dw 0
    dq 0
gdt:
    dq 0
    dq 0x00af9b000000ffff
    dq 0x00cf93000000ffff
gdtr:
    dw 3 * 8 - 1
    dq gdt
