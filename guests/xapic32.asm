; xapic32: a 32-bit protected-mode guest (paging off) that drives its
; local APIC through the xAPIC page at 0xfee00000 and Keel's test MMIO
; register at 0xfeb00000 with the instruction forms device drivers use
; (MOV, MOVZX/MOVSX, OR/AND/ADD read-modify-write, XCHG, TEST): every such
; access is an MMIO exit that Keel decodes, or with APIC virtualization
; one the CPU virtualizes or turns into an APIC-access or APIC-write exit.
; Also IA32_APIC_BASE: disable, re-enable, to x2APIC mode and back out.
; module: name=xapic32 mode=prot32
%include "guests/lib/guest.inc"

APIC            equ 0xfee00000
APIC_ID         equ APIC + 0x20
APIC_VERSION    equ APIC + 0x30
APIC_TPR        equ APIC + 0x80
APIC_PPR        equ APIC + 0xa0
APIC_EOI        equ APIC + 0xb0
APIC_SVR        equ APIC + 0xf0
APIC_ISR2       equ APIC + 0x120    ; vectors 64-95
APIC_ICR_LOW    equ APIC + 0x300
APIC_ICR_HIGH   equ APIC + 0x310
APIC_LVT_TIMER  equ APIC + 0x320
APIC_TMICT      equ APIC + 0x380
APIC_TMCCT      equ APIC + 0x390
APIC_TDCR       equ APIC + 0x3e0
SCRATCH         equ 0xfeb00000
MSR_APIC_BASE   equ 0x1b

V_SELF          equ 0x41
V_TIMER         equ 0x50
V_SPURIOUS      equ 0xff

bits 32
org 0x8000

start:
    lgdt [gdtr]
    jmp 0x08:.cs
.cs:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7000
    mov eax, self_handler
    mov ecx, V_SELF
    call set_gate
    mov eax, timer_handler
    mov ecx, V_TIMER
    call set_gate
    mov eax, spurious_handler
    mov ecx, V_SPURIOUS
    call set_gate
    lidt [idtr]

    ; the test MMIO register, through the decoder's forms
    mov dword [SCRATCH], 0x12345678
    cmp dword [SCRATCH], 0x12345678
    CHECK e, "MMIO: 32-bit MOV store and load"
    mov byte [SCRATCH], 0x9a
    mov eax, [SCRATCH]
    cmp eax, 0x1234569a
    CHECK e, "MMIO: a byte store merges into the register"
    movzx eax, word [SCRATCH]
    cmp eax, 0x569a
    CHECK e, "MMIO: MOVZX of a word"
    movsx eax, byte [SCRATCH]
    cmp eax, 0xffffff9a
    CHECK e, "MMIO: MOVSX of a byte"
    add dword [SCRATCH], 0x10
    cmp dword [SCRATCH], 0x123456aa
    CHECK e, "MMIO: ADD to memory (read-modify-write)"
    mov ebx, SCRATCH
    mov eax, 0x55
    xchg [ebx], eax
    cmp eax, 0x123456aa
    CHECK e, "MMIO: XCHG gives the old value"
    test dword [SCRATCH], 0x40
    CHECK nz, "MMIO: TEST sets the flags from the register"
    call mmio_store                     ; the same store twice from one RIP,
    mov dword [mmio_store_imm], 0x22222222  ; its immediate rewritten between
    call mmio_store
    cmp dword [SCRATCH], 0x22222222
    CHECK e, "MMIO: an instruction rewritten at the same RIP is decoded anew"

    ; the xAPIC page
    mov ecx, MSR_APIC_BASE
    rdmsr
    cmp eax, APIC | 0x900
    CHECK e, "IA32_APIC_BASE is 0xfee00900"
    mov eax, [APIC_ID]
    cmp eax, 0
    CHECK e, "xAPIC ID register of vCPU 0 is 0"
    movzx eax, byte [APIC_VERSION]
    cmp eax, 0x14
    CHECK e, "xAPIC version register reads 0x14"
    or dword [APIC_SVR], 0x100          ; software-enable: OR on the register
    mov eax, [APIC_SVR]
    cmp eax, 0x100 | V_SPURIOUS
    CHECK e, "SVR enabled by a read-modify-write OR"
    mov dword [APIC_TPR], 0x20
    mov eax, [APIC_PPR]
    cmp eax, 0x20
    CHECK e, "PPR follows TPR"
    mov dword [APIC_TPR], 0

    ; a self-IPI through the ICR (shorthand self), EOI through the page
    sti
    mov dword [APIC_ICR_LOW], 1 << 18 | V_SELF
    nop
    cmp dword [self_count], 1
    CHECK e, "self-IPI through ICR delivered"
    mov eax, [self_isr]
    bt eax, V_SELF - 64
    CHECK c, "ISR holds the vector in its handler"
    mov eax, [APIC_ISR2]
    bt eax, V_SELF - 64
    CHECK nc, "EOI through the page cleared it"

    ; the timer, one-shot, through the page; HLT until it fires
    mov dword [APIC_TDCR], 0xb          ; divide by 1
    mov dword [APIC_LVT_TIMER], V_TIMER
    mov dword [APIC_TMICT], 200000
    mov eax, [APIC_TMCCT]
    mov [count_seen], eax
.wait:
    hlt
    cmp dword [timer_count], 0
    je .wait
    mov eax, [count_seen]
    cmp eax, 200000
    setb bl
    cmp eax, 0
    seta bh
    and bl, bh
    cmp bl, 1
    CHECK e, "timer current count runs down (MMIO read)"
    cmp dword [timer_count], 1
    CHECK e, "one-shot timer through the page fired"
    and dword [APIC_LVT_TIMER], ~0          ; AND form (no change)
    cmp dword [APIC_LVT_TIMER], V_TIMER
    CHECK e, "LVT timer reads back through an AND"

    ; IA32_APIC_BASE: disable, then enable again; to x2APIC mode and out
    cli
    mov ecx, MSR_APIC_BASE
    rdmsr
    and eax, ~(1 << 11)
    wrmsr                               ; globally disabled
    rdmsr
    test eax, 1 << 11
    CHECK z, "APIC disabled in IA32_APIC_BASE"
    mov ecx, MSR_APIC_BASE
    rdmsr
    or eax, 1 << 11
    wrmsr                               ; enabled again, in xAPIC mode
    mov eax, [APIC_SVR]
    cmp eax, V_SPURIOUS
    CHECK e, "re-enabled APIC comes back with SVR reset (0xff)"
    mov eax, [APIC_ID]
    cmp eax, 0
    CHECK e, "re-enabled APIC answers on its page"
    mov ecx, MSR_APIC_BASE
    rdmsr
    or eax, 1 << 10
    wrmsr                               ; x2APIC mode
    mov ecx, 0x802
    rdmsr
    cmp eax, 0
    CHECK e, "x2APIC mode: ID read through MSR 0x802"
    mov ecx, MSR_APIC_BASE
    rdmsr
    and eax, ~(3 << 10)
    wrmsr                               ; x2APIC to disabled (legal)
    rdmsr
    and eax, 3 << 10
    CHECK z, "x2APIC mode left through disabled"

    EXIT 0

; mov dword [SCRATCH], imm32, with the immediate at mmio_store_imm
mmio_store:
    db 0xc7, 0x05
    dd SCRATCH
mmio_store_imm:
    dd 0x11111111
    ret

; ecx = vector, eax = handler: a 32-bit interrupt gate in idt
set_gate:
    mov [idt + ecx * 8], ax
    mov word [idt + ecx * 8 + 2], 0x08
    mov word [idt + ecx * 8 + 4], 0x8e00
    shr eax, 16
    mov [idt + ecx * 8 + 6], ax
    ret

self_handler:
    push eax
    inc dword [self_count]
    mov eax, [APIC_ISR2]
    mov [self_isr], eax
    mov dword [APIC_EOI], 0
    pop eax
    iret

timer_handler:
    inc dword [timer_count]
    mov dword [APIC_EOI], 0
    iret

spurious_handler:
    iret

align 8
gdt:
    dq 0
    dq 0x00cf9b000000ffff       ; 0x08: 32-bit code
    dq 0x00cf93000000ffff       ; 0x10: data
gdtr:
    dw 3 * 8 - 1
    dd gdt
align 8
idt:
    times 256 * 8 db 0
idtr:
    dw 256 * 8 - 1
    dd idt
self_count:  dd 0
self_isr:    dd 0
timer_count: dd 0
count_seen:  dd 0
