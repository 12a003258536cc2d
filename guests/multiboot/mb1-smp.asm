; mb1-smp: a Multiboot v1 ELF32 kernel that starts every CPU. It reads
; the CPU count from QEMU's fw_cfg (key 0x05), enables its local APIC
; (xAPIC at 0xfee00000; paging stays off), copies a trampoline below
; 1 MiB and starts the application processors by a broadcast
; INIT-SIPI-SIPI; each AP goes from real mode to 32-bit protected mode,
; counts itself (lock inc) and notes its APIC ID, then halts. The BSP
; waits, bounded by the PIT, until the count is fw_cfg's minus one,
; prints "N CPUs online" and ends through isa-debug-exit with the number
; of failed checks (0: QEMU's status 1).
; format: elf32
%include "guests/multiboot/lib.inc"

MB1_MAGIC       equ 0x1badb002
MB1_BOOT_MAGIC  equ 0x2badb002
MB1_FLAGS       equ 0x3

FW_CFG_SEL      equ 0x510
FW_CFG_DATA     equ 0x511
FW_CFG_SIGNATURE equ 0x00
FW_CFG_NB_CPUS  equ 0x05

APIC            equ 0xfee00000
APIC_ID         equ APIC + 0x20
APIC_SVR        equ APIC + 0xf0
APIC_ICR_LOW    equ APIC + 0x300
APIC_ICR_HIGH   equ APIC + 0x310
ICR_INIT        equ 0x4500      ; INIT, level assert
ICR_STARTUP     equ 0x4600      ; | vector
ICR_ALL_BUT_SELF equ 3 << 18
ICR_PENDING     equ 1 << 12     ; delivery status: send pending
MSR_APIC_BASE   equ 0x1b
APIC_BASE_BSP   equ 1 << 8
APIC_BASE_EN    equ 1 << 11

TRAMPOLINE      equ 0x8000      ; below 1 MiB, 4 KiB-aligned: SIPI vector 0x08
PIT_HZ          equ 1193182
PIT_10MS        equ PIT_HZ / 100
PIT_200US       equ PIT_HZ / 5000
WAIT_10MS_MAX   equ 200         ; for the APs: at most 2 s

extern kernel_start, kernel_end

section .multiboot
align 4
    dd MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)

section .text
bits 32
global start
start:
    mov esp, stack_top
    mov [boot_magic], eax
    mov [boot_info], ebx
    lgdt [gdtr]
    jmp CODE32:.reload
.reload:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    COM1_INIT
    PRINTLN "mb1-smp: a Multiboot v1 kernel that starts its CPUs"
    cmp dword [boot_magic], MB1_BOOT_MAGIC
    CHECK e, "EAX is 0x2BADB002 (Multiboot v1)"

    ; ------------------------------------------------ fw_cfg
    mov dx, FW_CFG_SEL
    mov ax, FW_CFG_SIGNATURE
    out dx, ax
    mov dx, FW_CFG_DATA
    mov ecx, 4
.signature:
    in al, dx
    shl ebx, 8                  ; bytes in order: "QEMU" reads 0x51454d55
    mov bl, al
    loop .signature
    cmp ebx, 'Q' << 24 | 'E' << 16 | 'M' << 8 | 'U'
    CHECK e, "fw_cfg signature is QEMU"
    mov dx, FW_CFG_SEL
    mov ax, FW_CFG_NB_CPUS
    out dx, ax
    mov dx, FW_CFG_DATA
    in al, dx
    movzx ebx, al
    in al, dx
    mov bh, al                  ; little-endian 16 bits
    mov [cpu_count], ebx
    PRINT "fw_cfg CPU count: "
    PUT_DEC ebx
    PRINTLN ""
    mov eax, ebx
    dec eax
    cmp eax, 255
    CHECK b, "fw_cfg CPU count is 1-256"
    jae .report

    ; ------------------------------------------------ local APIC
    mov ecx, MSR_APIC_BASE
    rdmsr
    mov ebx, eax
    and eax, APIC_BASE_BSP | APIC_BASE_EN
    cmp eax, APIC_BASE_BSP | APIC_BASE_EN
    CHECK e, "IA32_APIC_BASE: enabled, and this is the BSP"
    and ebx, 0xfffff000
    cmp ebx, APIC
    CHECK e, "the local APIC is at 0xfee00000"
    mov eax, [APIC_SVR]
    or eax, 0x1ff               ; software enable, spurious vector 0xff
    mov [APIC_SVR], eax
    mov eax, [APIC_ID]
    shr eax, 24
    mov [bsp_apic_id], eax
    PRINT "BSP APIC ID "
    PUT_DEC eax
    PRINTLN ""
    cmp dword [cpu_count], 1
    je .count                   ; no AP to start

    ; ------------------------------------------------ INIT-SIPI-SIPI
    call trampoline_in_ram
    CHECK nc, "the memory map has the trampoline's page (0x8000) as available RAM"
    jc .count
    mov esi, trampoline
    mov edi, TRAMPOLINE
    mov ecx, trampoline_end - trampoline
    rep movsb
    mov eax, ICR_ALL_BUT_SELF | ICR_INIT
    call send_ipi
    mov ecx, PIT_10MS
    call pit_wait
    mov eax, ICR_ALL_BUT_SELF | ICR_STARTUP | (TRAMPOLINE >> 12)
    call send_ipi
    mov ecx, PIT_200US
    call pit_wait
    mov eax, ICR_ALL_BUT_SELF | ICR_STARTUP | (TRAMPOLINE >> 12)
    call send_ipi               ; again, as the MP specification says

    mov esi, WAIT_10MS_MAX
    mov ebx, [cpu_count]
    dec ebx
.wait_aps:
    cmp [ap_count], ebx
    jae .count
    mov ecx, PIT_10MS
    call pit_wait
    dec esi
    jnz .wait_aps

.count:
    mov eax, [ap_count]
    inc eax
    PUT_DEC eax
    cmp eax, 1
    jne .plural
    PRINTLN " CPU online"
    jmp .counted
.plural:
    PRINTLN " CPUs online"
.counted:
    cmp eax, [cpu_count]
    CHECK e, "every CPU fw_cfg counts is online"
    mov eax, [ap_ids]           ; the APs' APIC IDs (those below 32)
    mov ecx, [bsp_apic_id]
    btr eax, ecx                ; the BSP's is not among them
    CHECK nc, "no AP has the BSP's APIC ID"
    xor ecx, ecx                ; distinct: as many bits as APs
.popcount:
    test eax, eax
    jz .popcounted
    lea edx, [eax - 1]
    and eax, edx
    inc ecx
    jmp .popcount
.popcounted:
    cmp ecx, [ap_count]
    CHECK e, "the APs' APIC IDs are distinct"
.report:
    DONE

; CF clear when the loader's memory map (flags bit 6) has
; [TRAMPOLINE, TRAMPOLINE + 4 KiB) in one available region
trampoline_in_ram:
    pushad
    mov ebx, [boot_info]
    test dword [ebx], 1 << 6
    jz .no
    mov esi, [ebx + 48]         ; mmap_addr
    mov edx, esi
    add edx, [ebx + 44]         ; mmap_length
.entry:                         ; size, base, length, type
    cmp esi, edx
    jae .no
    cmp dword [esi + 20], 1
    jne .next
    cmp dword [esi + 8], 0
    jne .next                   ; above 4 GiB
    mov eax, [esi + 4]
    cmp eax, TRAMPOLINE
    ja .next
    cmp dword [esi + 16], 0     ; 4 GiB long or more
    jne .yes
    add eax, [esi + 12]         ; the end (low 32 bits: a carry is past 4 GiB)
    jc .yes
    cmp eax, TRAMPOLINE + 0x1000
    jae .yes
.next:
    mov eax, [esi]
    lea esi, [esi + eax + 4]
    jmp .entry
.yes:
    popad
    clc
    ret
.no:
    popad
    stc
    ret

; eax: ICR low (the destination is the shorthand); waits until sent
send_ipi:
    mov dword [APIC_ICR_HIGH], 0
    mov [APIC_ICR_LOW], eax
.pending:
    pause
    test dword [APIC_ICR_LOW], ICR_PENDING
    jnz .pending
    ret

; ecx: PIT ticks (1-65535) to wait, on channel 2 (one-shot, gated
; through port 0x61; its output shows in bit 5)
pit_wait:
    push eax
    in al, 0x61
    and al, 0xfc                ; gate off, speaker off
    out 0x61, al
    mov al, 0xb0                ; channel 2, lobyte/hibyte, mode 0, binary
    out 0x43, al
    mov al, cl
    out 0x42, al
    mov al, ch
    out 0x42, al
    in al, 0x61
    or al, 1                    ; gate on: counting starts
    out 0x61, al
.count:
    in al, 0x61
    test al, 0x20
    jz .count
    pop eax
    ret

; ap_entry: each AP, from the trampoline, in 32-bit protected mode on the
; kernel's GDT, without a stack
ap_entry:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, [APIC_ID]
    shr eax, 24
    cmp eax, 32
    jae .counted
    lock bts [ap_ids], eax
.counted:
    lock inc dword [ap_count]
.halt:
    cli
    hlt
    jmp .halt

; The trampoline, copied to TRAMPOLINE: an AP starts here in real mode,
; CS = TRAMPOLINE >> 4, IP = 0.
bits 16
trampoline:
    cli
    mov ax, cs
    mov ds, ax
    o32 lgdt [trampoline_gdtr - trampoline]
    mov eax, cr0
    or al, 1                    ; PE
    mov cr0, eax
    jmp dword CODE32:ap_entry
align 4
trampoline_gdtr:
    dw gdt_end - gdt - 1
    dd gdt
trampoline_end:
bits 32

    MB_LIB

section .data
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: 32-bit code
    dq 0x00cf92000000ffff       ; 0x10: data
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
CODE32 equ 0x08
DATA   equ 0x10
boot_magic:  dd 0
boot_info:   dd 0
cpu_count:   dd 0
bsp_apic_id: dd 0
align 64
ap_count:    dd 0               ; APs that ran
ap_ids:      dd 0               ; a bit for each AP's APIC ID (below 32)

section .bss
alignb 16
        resb 16384
stack_top:
