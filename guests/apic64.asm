; apic64: a 64-bit guest with two vCPUs that uses its local APICs the way
; an operating system does, in x2APIC mode (MSRs): the BSP starts the AP
; by INIT-SIPI-SIPI (real mode at 0x9000, to long mode on its own), they
; exchange fixed IPIs both ways (physical, logical, all-but-self), the BSP
; sends the AP an NMI; a self-IPI; an interrupt held off by STI and MOV SS
; blocking and by the TPR (and CR8), then delivered; the APIC timer in
; periodic, one-shot and TSC-deadline modes, timed with RDTSC; HLT woken
; by the timer (BSP) and by IPIs (AP); an IPI to an APIC ID no vCPU has;
; an APIC error (an IPI's illegal vector) raising the LVT error interrupt.
; module: name=apic64 mode=long64 cpus=2
%include "guests/lib/guest.inc"
%include "guests/lib/apic.inc"


V_AP_PING        equ 0x40      ; BSP -> AP
V_SELF           equ 0x41      ; self-IPI
V_BSP_PONG       equ 0x42      ; AP -> BSP
V_TIMER          equ 0x50
V_ERROR          equ 0x60
V_SPURIOUS       equ 0xff

TIMER_PERIOD     equ 100000    ; TSC ticks (the APIC timer counts at the TSC rate)
TIMER_TICKS      equ 10
AP_STACK         equ 0x6000

; WAIT_FOR qword, value: spin (bounded) until [qword] >= value; ZF... sets
; rax = the value seen
%macro WAIT_FOR 2
    mov r15, 200000
%%spin:
    mov rax, [%1]
    cmp rax, %2
    jae %%done
    pause
    dec r15
    jnz %%spin
%%done:
    mov rax, [%1]
%endmacro

bits 64
org 0x8000

start:
    jmp bsp_main

; ---------------------------------------------------------------- AP entry
    AP_TRAMPOLINE

ap_main:
    lidt [idtr]
    ; the AP's own view: APIC ID 1 in CPUID and in its x2APIC
    mov eax, 1
    cpuid
    shr ebx, 24
    mov [ap_cpuid_id], rbx
    RDMSR_TO_RAX MSR_APIC_BASE
    mov [ap_apic_base], rax
    X2APIC_ENABLE
    RDMSR_TO_RAX X2APIC_ID
    mov [ap_x2apic_id], rax
    mov qword [ap_alive], 1
.idle:                          ; woken by each IPI
    sti
    hlt
    jmp .idle

; ---------------------------------------------------------------- handlers
ap_ping_handler:                ; on the AP: count, EOI, answer the BSP
    push rax
    push rcx
    push rdx
    lock inc qword [ap_pings]
    RDMSR_TO_RAX X2APIC_ID
    mov [ping_taker], rax       ; which vCPU took it
    WRMSR_IMM X2APIC_EOI, 0
    WRMSR_IMM X2APIC_ICR, V_BSP_PONG        ; fixed, physical, to APIC ID 0
    pop rdx
    pop rcx
    pop rax
    iretq

bsp_pong_handler:
    push rax
    push rcx
    push rdx
    lock inc qword [bsp_pongs]
    WRMSR_IMM X2APIC_EOI, 0
    pop rdx
    pop rcx
    pop rax
    iretq

self_handler:
    push rax
    push rcx
    push rdx
    inc qword [self_count]
    ; in service while the handler runs: ISR bit of V_SELF
    RDMSR_TO_RAX X2APIC_ISR2
    mov [self_isr], rax
    WRMSR_IMM X2APIC_EOI, 0
    pop rdx
    pop rcx
    pop rax
    iretq

timer_handler:
    push rax
    push rcx
    push rdx
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov rcx, [timer_count]
    cmp rcx, TIMER_TICKS
    jae .no_stamp
    mov [timer_stamps + rcx * 8], rax
.no_stamp:
    inc qword [timer_count]
    WRMSR_IMM X2APIC_EOI, 0
    pop rdx
    pop rcx
    pop rax
    iretq

nmi_handler:
    mov qword [ap_nmi], 1
    iretq

error_handler:
    push rax
    push rcx
    push rdx
    inc qword [error_count]
    WRMSR_IMM X2APIC_EOI, 0
    pop rdx
    pop rcx
    pop rax
    iretq

spurious_handler:
    iretq

; print_hex: rax as 16 hex digits and a newline on COM1
print_hex:
    push rcx
    push rdx
    push rbx
    mov rbx, rax
    mov ecx, 16
    mov dx, GUEST_COM1
.digit:
    rol rbx, 4
    mov al, bl
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    out dx, al
    dec ecx
    jnz .digit
    mov al, 10
    out dx, al
    pop rbx
    pop rdx
    pop rcx
    ret

; ---------------------------------------------------------------- BSP
bsp_main:
    UART_PUTS "two vCPUs, x2APIC"
    LONG64_SETUP
    ; a 256-vector IDT of its own, with the library's fault handlers
    lea rdi, [rel idt]
    mov ecx, 6
    lea rax, [rel guest_fault_ud]
    call guest_set_gate
    mov ecx, 13
    lea rax, [rel guest_fault_gp]
    call guest_set_gate
    mov ecx, 14
    lea rax, [rel guest_fault_pf]
    call guest_set_gate
    mov ecx, 2
    lea rax, [rel nmi_handler]
    call guest_set_gate
    mov ecx, V_AP_PING
    lea rax, [rel ap_ping_handler]
    call guest_set_gate
    mov ecx, V_BSP_PONG
    lea rax, [rel bsp_pong_handler]
    call guest_set_gate
    mov ecx, V_SELF
    lea rax, [rel self_handler]
    call guest_set_gate
    mov ecx, V_TIMER
    lea rax, [rel timer_handler]
    call guest_set_gate
    mov ecx, V_SPURIOUS
    lea rax, [rel spurious_handler]
    call guest_set_gate
    mov ecx, V_ERROR
    lea rax, [rel error_handler]
    call guest_set_gate
    lidt [idtr]

    ; CPUID: this vCPU's APIC ID and the guest's two logical processors
    mov eax, 1
    cpuid
    mov eax, ebx
    shr eax, 24
    cmp eax, 0
    CHECK e, "CPUID.1:EBX initial APIC ID is 0 on the BSP"
    mov eax, 1
    cpuid
    shr ebx, 16
    cmp bl, 2
    CHECK e, "CPUID.1:EBX counts 2 logical processors"
    mov eax, 0xb
    mov ecx, 1
    cpuid
    cmp bx, 2
    CHECK e, "CPUID.0BH core level holds 2 processors"

    ; IA32_APIC_BASE: enabled, BSP, at 0xfee00000; then x2APIC mode
    RDMSR_TO_RAX MSR_APIC_BASE
    mov rbx, 0xfee00000 | APIC_BASE_EN | APIC_BASE_BSP
    cmp rax, rbx
    CHECK e, "IA32_APIC_BASE is 0xfee00900 (enabled, BSP)"
    RDMSR_TO_RAX MSR_APIC_BASE
    or rax, APIC_BASE_EXTD
    mov rdx, rax
    shr rdx, 32
    mov ecx, MSR_APIC_BASE
    wrmsr
    RDMSR_TO_RAX X2APIC_ID
    cmp rax, 0
    CHECK e, "x2APIC ID of the BSP is 0"
    RDMSR_TO_RAX X2APIC_LDR
    cmp rax, 1
    CHECK e, "x2APIC LDR of the BSP is cluster 0, bit 0"
    WRMSR_IMM X2APIC_SVR, 0x100 | V_SPURIOUS

    ; a self-IPI, taken at once with interrupts on
    sti
    WRMSR_IMM X2APIC_SELF_IPI, V_SELF
    nop
    cmp qword [self_count], 1
    CHECK e, "self-IPI delivered and EOIed"
    mov rax, [self_isr]
    bt rax, V_SELF - 64
    CHECK c, "ISR holds the vector while its handler runs"

    ; held off by interrupts off, then by STI's and MOV SS's shadows
    cli
    WRMSR_IMM X2APIC_SELF_IPI, V_SELF
    nop
    nop
    cmp qword [self_count], 1
    CHECK e, "no delivery while RFLAGS.IF is 0"
    mov ax, ss
    sti                         ; blocks for one instruction ...
    mov ss, ax                  ; ... which blocks for the next
    mov rbx, [self_count]       ; still in the MOV SS shadow
    nop                         ; delivered before this one
    cmp rbx, 1
    CHECK e, "held off by STI and MOV SS blocking"
    cmp qword [self_count], 2
    CHECK e, "delivered once the shadows end"

    ; held off by the TPR, then delivered when it drops
    WRMSR_IMM X2APIC_TPR, 0x50
    WRMSR_IMM X2APIC_SELF_IPI, V_SELF      ; class 4 < TPR class 5
    nop
    cmp qword [self_count], 2
    CHECK e, "held off by TPR 0x50"
    WRMSR_IMM X2APIC_TPR, 0
    nop
    cmp qword [self_count], 3
    CHECK e, "delivered when TPR drops to 0"
    mov eax, 5
    mov cr8, rax                ; CR8 is TPR[7:4]
    RDMSR_TO_RAX X2APIC_TPR
    cmp rax, 0x50
    CHECK e, "MOV to CR8 sets the TPR"
    WRMSR_IMM X2APIC_SELF_IPI, V_SELF
    nop
    cmp qword [self_count], 3
    CHECK e, "held off by CR8 5"
    xor eax, eax
    mov cr8, rax
    nop
    cmp qword [self_count], 4
    CHECK e, "delivered when CR8 drops to 0"

    ; an APIC error raises the LVT error vector (SDM "Error Handling"): a
    ; fixed IPI with vector 5 is not sent, the ESR says "send illegal
    ; vector" once written to, and the interrupt comes at once
    WRMSR_IMM X2APIC_LVT_ERROR, V_ERROR
    WRMSR_IMM X2APIC_ICR, 0x4005               ; fixed, to APIC ID 0, vector 5
    nop
    cmp qword [error_count], 1
    CHECK e, "an illegal IPI vector raises the LVT error interrupt"
    WRMSR_IMM X2APIC_ESR, 0
    RDMSR_TO_RAX X2APIC_ESR
    cmp rax, 0x20
    CHECK e, "ESR says send illegal vector"
    WRMSR_IMM X2APIC_LVT_ERROR, LVT_MASKED | V_ERROR

    ; the periodic timer, HLT woken by each tick
    WRMSR_IMM X2APIC_TDCR, 0xb                  ; divide by 1
    WRMSR_IMM X2APIC_LVT_TIMER, V_TIMER | 1 << 17
    WRMSR_IMM X2APIC_TMICT, TIMER_PERIOD
.periodic:
    hlt
    cmp qword [timer_count], TIMER_TICKS
    jb .periodic
    WRMSR_IMM X2APIC_TMICT, 0                   ; stop
    mov rax, [timer_stamps + (TIMER_TICKS - 1) * 8]
    sub rax, [timer_stamps]                     ; 9 periods
    mov [elapsed], rax
    cmp rax, (TIMER_TICKS - 1) * TIMER_PERIOD * 98 / 100
    setae bl
    cmp rax, (TIMER_TICKS - 1) * TIMER_PERIOD * 102 / 100
    setbe bh
    and bl, bh
    cmp bl, 1
    CHECK e, "periodic timer: 10 ticks within 2% of 9 periods"

    ; one-shot: one interrupt, after the count
    mov qword [timer_count], 0
    WRMSR_IMM X2APIC_LVT_TIMER, V_TIMER
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov r12, rax
    WRMSR_IMM X2APIC_TMICT, TIMER_PERIOD
    RDMSR_TO_RAX X2APIC_TMCCT
    mov r13, rax
.oneshot:
    hlt
    cmp qword [timer_count], 1
    jb .oneshot
    cmp r13, TIMER_PERIOD
    setb bl
    cmp r13, 0
    seta bh
    and bl, bh
    cmp bl, 1
    CHECK e, "one-shot: the current count runs down from the initial"
    mov rax, [timer_stamps]
    sub rax, r12
    cmp rax, TIMER_PERIOD
    CHECK ae, "one-shot: fires no earlier than its count"
    mov rax, [timer_stamps]
    sub rax, r12
    cmp rax, TIMER_PERIOD * 102 / 100
    CHECK be, "one-shot: fires within 2% of its count"
    mov rcx, 3 * TIMER_PERIOD / 2
.after:
    dec rcx
    jnz .after
    cmp qword [timer_count], 1
    CHECK e, "one-shot: fires once"

    ; TSC deadline
    mov qword [timer_count], 0
    WRMSR_IMM X2APIC_LVT_TIMER, V_TIMER | 2 << 17
    rdtsc
    shl rdx, 32
    or rax, rdx
    add rax, TIMER_PERIOD
    mov r12, rax
    mov rdx, rax
    shr rdx, 32
    mov ecx, MSR_TSC_DEADLINE
    wrmsr
.deadline:
    hlt
    cmp qword [timer_count], 1
    jb .deadline
    mov rax, [timer_stamps]
    cmp rax, r12
    CHECK ae, "TSC deadline: fires no earlier than the deadline"
    mov rax, [timer_stamps]
    sub rax, r12
    cmp rax, TIMER_PERIOD * 2 / 100
    CHECK be, "TSC deadline: fires within 2% of a period after it"
    RDMSR_TO_RAX MSR_TSC_DEADLINE
    cmp rax, 0
    CHECK e, "TSC deadline: reads 0 once fired"
    WRMSR_IMM X2APIC_LVT_TIMER, 1 << 16         ; masked

    ; start the AP: INIT, SIPI, SIPI (vector 9: 0x9000)
    START_AP 1
    WAIT_FOR ap_alive, 1
    cmp rax, 1
    CHECK e, "AP started by INIT-SIPI-SIPI reached 64-bit mode"
    cmp qword [ap_cpuid_id], 1
    CHECK e, "CPUID.1:EBX initial APIC ID is 1 on the AP"
    cmp qword [ap_x2apic_id], 1
    CHECK e, "x2APIC ID of the AP is 1"
    mov rax, [ap_apic_base]
    mov rbx, 0xfee00000 | APIC_BASE_EN
    cmp rax, rbx
    CHECK e, "IA32_APIC_BASE of the AP has no BSP bit"

    ; fixed IPIs both ways: physical, logical (x2APIC cluster 0, bit 1),
    ; all-but-self; each answered by the AP with an IPI back
    WRMSR_IMM X2APIC_ICR, (1 << 32) | V_AP_PING
    WAIT_FOR bsp_pongs, 1
    cmp qword [ap_pings], 1
    CHECK e, "fixed IPI to physical APIC ID 1 woke the AP from HLT"
    cmp qword [bsp_pongs], 1
    CHECK e, "fixed IPI from the AP back to the BSP"
    WRMSR_IMM X2APIC_ICR, (2 << 32) | 1 << 11 | V_AP_PING
    WAIT_FOR bsp_pongs, 2
    cmp qword [ap_pings], 2
    CHECK e, "fixed IPI to logical destination cluster 0 bit 1"
    WRMSR_IMM X2APIC_ICR, 3 << 18 | V_AP_PING   ; all excluding self
    WAIT_FOR bsp_pongs, 3
    cmp qword [ap_pings], 3
    CHECK e, "fixed IPI to all excluding self"
    cmp qword [bsp_pongs], 3
    CHECK e, "three IPIs answered"

    ; lowest priority to both vCPUs (logical cluster 0, bits 0 and 1): the
    ; BSP's TPR is higher, so the AP gets it
    mov qword [ping_taker], -1
    WRMSR_IMM X2APIC_TPR, 0x20
    WRMSR_IMM X2APIC_ICR, (3 << 32) | ICR_LOGICAL | 0x100 | V_AP_PING
    WAIT_FOR bsp_pongs, 4
    cmp qword [ping_taker], 1
    CHECK e, "lowest-priority IPI goes to the vCPU with the lower TPR"
    WRMSR_IMM X2APIC_TPR, 0

    ; an NMI to the AP
    WRMSR_IMM X2APIC_ICR, (1 << 32) | 0x400
    WAIT_FOR ap_nmi, 1
    cmp rax, 1
    CHECK e, "NMI IPI delivered to the AP"

    ; an IPI to APIC ID 5: no such vCPU here; it reaches no one
    WRMSR_IMM X2APIC_ICR, (5 << 32) | V_AP_PING
    mov rcx, 50000
.quiet:
    dec rcx
    jnz .quiet
    cmp qword [ap_pings], 4
    CHECK e, "an IPI to APIC ID 5 reaches no vCPU"

    ; INIT the AP while it runs (halted in its idle loop), then SIPI: it
    ; starts over from real mode and comes back
    mov qword [ap_alive], 0
    START_AP 1
    WAIT_FOR ap_alive, 1
    cmp rax, 1
    CHECK e, "AP reset by INIT while running, started again by SIPI"

    EXIT 0

    LONG64_LIB

    IDT256

align 8
ap_alive:     dq 0
ap_cpuid_id:  dq 0
ap_x2apic_id: dq 0
ap_apic_base: dq 0
ap_pings:     dq 0
ping_taker:   dq -1
ap_nmi:       dq 0
bsp_pongs:    dq 0
self_count:   dq 0
error_count:  dq 0
self_isr:     dq 0
timer_count:  dq 0
elapsed:      dq 0
timer_stamps: times TIMER_TICKS dq 0
