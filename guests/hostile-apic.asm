; hostile-apic: the local APIC as a weapon (docs/security.md,
; tests/integration/hostile-platform.test). entry=0x8000 + 16 * N:
;  0 ipi       IPIs, NMIs, INITs and SIPIs at APIC IDs no vCPU of the guest
;              has (the bystander's CPU among them), logical destinations,
;              and a flood of 20000: all dropped and counted, none taken
;              by itself; a broadcast reaches only its own vCPU
;  1 storm     interrupt storms on itself: 20000 self-IPIs, every vector
;              at once, 1000 NMIs; an illegal vector is not delivered
;  2 relocate  IA32_APIC_BASE moved to 0xfed00000, then the new page
;  3 init-self an INIT to its only vCPU: nothing is left to send a SIPI
;  4 xapic     the same through the xAPIC page: ICR writes to others, an
;              ICR flood, and accesses of odd sizes and offsets
;  5 timer-storm  a periodic APIC timer of one tick: the vCPU must still
;              run with interrupts off, then take 5000 interrupts and mask
;              it (hostile-holes.test: today it can make no progress)
; module: name=apic mode=long64
%include "guests/lib/guest.inc"
%include "guests/hostile/lib.inc"

bits 64
org 0x8000

    ATTACK ipi                  ; 0x8000
    ATTACK storm                ; 0x8010
    ATTACK relocate             ; 0x8020
    ATTACK init_self            ; 0x8030
    ATTACK xapic                ; 0x8040
    ATTACK timer_storm          ; 0x8050

ICR equ 0x830
SELF_IPI equ 0x83f
APIC equ 0xfee00000

; SEND dest, low: an x2APIC ICR write
%macro SEND 2
    WRMSR_VAL ICR, (%1 << 32) | %2
%endmacro

x2apic_on:
    mov ecx, 0x1b
    rdmsr
    or eax, 1 << 10
    wrmsr
    WRMSR_VAL 0x80f, 0x1ff
    lea rax, [rel count_irq]
    mov [rel h_irq_hook], rax
    mov byte [rel h_irq_eoi], 1
    ret

count_irq:                      ; h_irq_hook: per-vector counts
    inc qword [counts + rax * 8]
    cmp eax, 0x60
    jne .done
    cmp qword [counts + 0x60 * 8], 5000
    jb .done
    push rcx
    push rdx
    WRMSR_VAL 0x832, (1 << 16) | (1 << 17) | 0x60  ; masked
    pop rdx
    pop rcx
.done:
    ret

ipi:
    H64_SETUP
    call x2apic_on
    SEND 1, 0x40                ; fixed, vector 0x40, to APIC IDs 1, 2, 0xfe, 0xffff
    SEND 2, 0x40
    SEND 0xfe, 0x40
    SEND 0xffff, 0x40
    SEND 2, 0x400               ; NMI
    SEND 2, 0x4500              ; INIT
    SEND 2, 0x4608              ; SIPI
    SEND 2, 0x140               ; lowest priority
    SEND 0x00010001, 0x840      ; logical: cluster 1
    mov r12d, 20000
.flood:
    SEND 5, 0x41
    dec r12d
    jnz .flood
    sti
    times 16 nop
    cli
    mov rax, [rel h_irq_count]
    add rax, [rel h_nmi_count]
    CHECK_ZERO rax, "20009 IPIs, NMIs, INITs and SIPIs to APIC IDs outside the guest: none came back to it"
    sti
    SEND 0xffffffff, 0x42       ; broadcast
    times 16 nop
    SEND 0, (3 << 18) | 0x43    ; all excluding self
    times 16 nop
    cli
    cmp qword [rel h_irq_count], 1
    CHECK e, "a broadcast IPI reaches only its own vCPU, all-but-self reaches none"
    EXIT 0

storm:
    H64_SETUP
    call x2apic_on
    sti
    mov r12d, 20000
.self:
    WRMSR_VAL SELF_IPI, 0x50
    dec r12d
    jnz .self
    cmp qword [counts + 0x50 * 8], 20000
    CHECK e, "20000 self-IPIs: 20000 interrupts, each EOIed"
    cli                         ; every vector at once, and one 100 times
    mov r12d, 0x20
.vec:
    mov ecx, SELF_IPI
    mov eax, r12d
    xor edx, edx
    wrmsr
    inc r12d
    cmp r12d, 0x100
    jb .vec
    mov r12d, 100
.same:
    WRMSR_VAL SELF_IPI, 0x70
    dec r12d
    jnz .same
    mov qword [rel h_irq_count], 0
    sti
    times 16 nop
    cli
    cmp qword [rel h_irq_count], 0xe0
    CHECK e, "224 vectors raised with interrupts off: each delivered once (0x70 100 times: once)"
    mov r12d, 1000
.nmi:
    SEND 0, (1 << 18) | 0x400   ; NMI to self
    dec r12d
    jnz .nmi
    cmp qword [rel h_nmi_count], 1000
    CHECK e, "1000 NMIs to itself: 1000 taken"
    mov qword [rel h_irq_count], 0
    sti
    TRAP_BEGIN -1
    WRMSR_VAL SELF_IPI, 5       ; an illegal vector
    times 16 nop
    TRAP_END "a self-IPI of vector 5 raises nothing"
    cli
    mov rax, [rel h_irq_count]
    CHECK_ZERO rax, "a self-IPI of vector 5 delivers nothing"
    EXIT 0

relocate:
    H64_SETUP
    UART_PUTS "moving IA32_APIC_BASE to 0xfed00000"
    TRY_BEGIN
    WRMSR_VAL 0x1b, 0xfed00900
    TRY_END
    UART_TEXT "WRMSR raised (-1: nothing) "
    UART_HEX
    RDMSR_RAX 0x1b
    UART_TEXT "IA32_APIC_BASE reads "
    UART_HEX
    mov edi, APIC + 0x30
    mov eax, [rdi]
    UART_TEXT "0xfee00030 reads "
    UART_HEX
    UART_PUTS "reading 0xfed00030"
    mov edi, 0xfed00030
    mov eax, [rdi]
    UART_TEXT "0xfed00030 reads "
    UART_HEX
    EXIT 0

init_self:
    H64_SETUP
    call x2apic_on
    UART_PUTS "INIT to its only vCPU"
    SEND 0, 0x4500
    times 16 nop
    FAIL("INIT to itself returned")
    EXIT 1

xapic:
    H64_SETUP
    mov edi, APIC
    mov dword [rdi + 0xf0], 0x1ff       ; SVR: enabled
    mov dword [rdi + 0x310], 1 << 24    ; to APIC ID 1
    mov dword [rdi + 0x300], 0x4040
    mov dword [rdi + 0x310], 2 << 24    ; NMI and INIT to APIC ID 2
    mov dword [rdi + 0x300], 0x400
    mov dword [rdi + 0x300], 0x4500
    mov dword [rdi + 0x310], 3 << 24
    mov r12d, 5000
.flood:
    mov dword [rdi + 0x300], 0x4041
    dec r12d
    jnz .flood
    sti
    times 16 nop
    cli
    mov rax, [rel h_irq_count]
    add rax, [rel h_nmi_count]
    CHECK_ZERO rax, "5003 xAPIC ICR writes to APIC IDs 1-3: none came back to it"
    TRAP_BEGIN -1
    mov al, [rdi + 0x20]                ; a byte of the ID
    mov ax, [rdi + 0x31]                ; two bytes inside the version
    mov rax, [rdi + 0xff8]              ; 8 bytes at the end of the page
    mov dword [rdi + 0x30], 0xffffffff  ; the version: read-only
    mov dword [rdi + 0x20], 0x0f000000  ; the ID: its own
    mov word [rdi + 0xb0], 0            ; a 2-byte EOI
    mov dword [rdi + 0x3fe], 0x12345678 ; unaligned, across two registers
    mov dword [rdi + 0xfe0], 0          ; the DFR, flat
    mov dword [rdi + 0x3f0], 0x1234     ; reserved
    TRAP_END "xAPIC accesses of odd sizes and offsets, read-only and reserved registers: no fault"
    mov eax, [rdi + 0x30]
    cmp al, 0x14
    CHECK e, "the APIC version still reads 0x14"
    EXIT 0

timer_storm:                    ; a periodic timer of one TSC tick
    H64_SETUP
    call x2apic_on
    WRMSR_VAL 0x83e, 0xb        ; divide by 1
    WRMSR_VAL 0x832, (1 << 17) | 0x60
    WRMSR_VAL 0x838, 1          ; periodic, one tick, interrupts still off
    mov ecx, 100000
.spin:
    loop .spin
    PASS("a periodic timer of one tick with interrupts off: the vCPU still runs")
    sti
    mov ecx, 10000000
.wait:
    cmp qword [counts + 0x60 * 8], 5000
    jae .stopped
    loop .wait
.stopped:
    times 1000 nop
    cli
    WRMSR_VAL 0x838, 0
    mov rax, [counts + 0x60 * 8]
    cmp rax, 5000
    jae .enough
    UART_TEXT "timer interrupts taken: "
    UART_HEX
    cmp rax, 5000
.enough:
    CHECK ae, "a periodic timer of one tick: 5000 interrupts, then masked by its handler"
    EXIT 0

align 8
counts: times 256 dq 0
H64_LIB
