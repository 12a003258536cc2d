; smp-triple-fault: two vCPUs; the BSP starts the AP, which triple-faults
; at once (an exception with an empty real-mode IDT), while the BSP waits
; in HLT with interrupts on. A triple fault on any vCPU stops the whole
; guest: Keel must stop the BSP too, and the guests beside it go on.
; module: name=smp-triple-fault mode=long64 cpus=2 time=30
%include "guests/lib/guest.inc"

bits 64
org 0x8000

start:
    jmp bsp_main

times 0x1000 - ($ - $$) db 0
bits 16
ap_trampoline:                  ; SIPI vector 9: CS:IP = 0900:0000
    xor ax, ax
    mov ds, ax
    lidt [empty_idtr]
    ud2                         ; #UD, #DF, then shutdown: a triple fault
empty_idtr:
    dw 0
    dd 0

bits 64
bsp_main:
    mov ecx, 0x1b               ; IA32_APIC_BASE: x2APIC mode
    rdmsr
    or eax, 1 << 10
    wrmsr
    mov ecx, 0x830              ; ICR: INIT, then SIPI vector 9, to APIC ID 1
    mov edx, 1
    mov eax, 0x4500
    wrmsr
    mov eax, 0x4609
    wrmsr
    UART_PUTS "AP started; waiting in HLT"
    sti
.wait:
    hlt
    jmp .wait
