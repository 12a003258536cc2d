; bench-apic: the guest-platform rows of make bench (docs/benchmark.md):
; what a guest's local APIC and a device model cost, on a guest with two
; vCPUs in x2APIC mode. scripts/bench.sh boots it twice, with APIC
; virtualization (the default) and with apicv=off (Keel's trap-and-
; emulate local APIC), and prints both side by side.
;
; Two kinds of row, each printed as "bench NAME TOTAL N":
; - ROW: the operation N times between two RDTSCs, and the same loop
;   without the operation as NAME_base; (NAME - NAME_base) / N is one
;   operation, with whatever handler it runs (EOI, self-IPI, STI window,
;   TMICT to handler, TSC-deadline write, MMIO write and read).
; - STAMPED: a latency summed over N, from a TSC value the guest knows
;   (a deadline it wrote, or RDTSC just before an ICR write) to a handler's
;   RDTSC; TOTAL / N is one. Cross-vCPU rows are round trips timed on vCPU
;   0 alone: TSCs of two CPUs are not comparable (in Bochs each counts its
;   own instructions).
; In Bochs the TSC counts instructions, so these are instruction counts.
; module: name=bench-apic mode=long64 cpus=2
%include "guests/lib/guest.inc"
%include "guests/lib/apic.inc"
%include "guests/lib/bench.inc"

N_FAST           equ 1000      ; rows of a few hundred ticks at most
N_SLOW           equ 200       ; rows with a timer or the other vCPU

V_PING           equ 0x40      ; vCPU 0 -> vCPU 1
V_SELF           equ 0x41      ; self-IPI
V_PONG           equ 0x42      ; vCPU 1 -> vCPU 0
V_TIMER          equ 0x50
V_SPURIOUS       equ 0xff

TIMER_AHEAD      equ 2000      ; deadline this far ahead: past the WRMSR's exit
FAR_FUTURE       equ 1 << 40   ; a deadline that never comes during the run
SPIN_LIMIT       equ 10000000  ; a spin wait gives up after this many turns
AP_SETTLE        equ 5000      ; turns between round trips: vCPU 1 back in its loop
AP_STACK         equ 0x6000

SCRATCH          equ 0xfeb00000 ; Keel's test MMIO register
PTE_P_W          equ 0x03
PTE_PCD          equ 0x10
PTE_PS           equ 0x80

AP_BUSY          equ 0         ; vCPU 1 spins with interrupts on
AP_IDLE          equ 1         ; vCPU 1 waits in sti; hlt

bits 64
org 0x8000

start:
    jmp bsp_main

; ---------------------------------------------------------------- vCPU 1
    AP_TRAMPOLINE

ap_main:
    lidt [idtr]
    X2APIC_ENABLE
    mov qword [ap_alive], 1
.loop:                          ; no exit here unless AP_IDLE (HLT)
    sti
    cmp qword [ap_mode], AP_IDLE
    jne .loop
    hlt
    jmp .loop

; ---------------------------------------------------------------- macros

; X2APIC_EOI_NOW: an EOI write (clobbers rax, rcx, rdx)
%macro X2APIC_EOI_NOW 0
    mov ecx, X2APIC_EOI
    xor eax, eax
    xor edx, edx
    wrmsr
%endmacro

; STAMP_TO qword: RDTSC into it (clobbers rax, rdx)
%macro STAMP_TO 1
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [%1], rax
%endmacro

; WAIT_COUNT qword, reg: spin until [qword] >= reg; gives up (FAIL and
; EXIT) after SPIN_LIMIT turns. Clobbers r8.
%macro WAIT_COUNT 2
    mov r8d, SPIN_LIMIT
%%spin:
    cmp [%1], %2
    jae %%done
    dec r8d
    jnz %%spin
    jmp spin_timeout
%%done:
%endmacro

; AWAIT op, qword: after an operation that makes a handler count in
; qword, wait for it. Without the operation (op = 0, the baseline) the
; same instructions run and find the count already there.
%macro AWAIT 2
  %if %1
    inc r15
  %else
    mov r15, [%2]
  %endif
    WAIT_COUNT %2, r15
%endmacro

; TIMED "name", "suffix", N, {body}: the body N times between two RDTSCs
; (r12 counts down, r13 holds the start), printed as a row
%macro TIMED 4
    lea rax, [rel %%name]
    mov [row_name], rax
    mov qword [row_name_len], %%name_len
    jmp %%go
%%name: db %1, %2
%%name_len equ $ - %%name
%%go:
    mov r12d, %3
    RDTSC_TO_RAX
    mov r13, rax
%%loop:
    %4
    dec r12d
    jnz %%loop
    RDTSC_TO_RAX
    sub rax, r13
    PRINT_ROW %1, %2, rax, %3
%endmacro

; ROW "name", N, BODY: BODY 0 (the loop without the operation) as
; NAME_base, then BODY 1 as NAME. The handler counts start from 0.
%macro ROW 3
    call reset_counts
    TIMED %1, "_base", %2, {%3 0}
    call reset_counts
    TIMED %1, "", %2, {%3 1}
%endmacro

; ---------------------------------------------------------------- row bodies
; Each takes 1 (with the operation) or 0 (without). Free: rax, rbx,
; rcx, rdx, rsi, rdi, r8, r15 (the expected handler count).

; 1. EOI: the x2APIC EOI write, nothing in service
%macro BODY_EOI 1
    mov ecx, X2APIC_EOI
    xor eax, eax
    xor edx, edx
  %if %1
    wrmsr
  %endif
%endmacro

; SELF_IPI_REGS: ECX, EDX:EAX for a WRMSR of V_SELF to the SELF IPI register
%macro SELF_IPI_REGS 0
    mov ecx, X2APIC_SELF_IPI
    mov eax, V_SELF
    xor edx, edx
%endmacro

; 2. self-IPI through the SELF IPI register, taken at once (interrupts
;    on): the handler counts, EOIs and returns
%macro BODY_SELF_IPI 1
    SELF_IPI_REGS
  %if %1
    wrmsr
  %endif
    AWAIT %1, self_count
%endmacro

; 3. a self-IPI sent with interrupts off stays pending; STI opens the
;    window after the next instruction
%macro BODY_STI_IPI 1
    cli
    SELF_IPI_REGS
  %if %1
    wrmsr
  %endif
    sti
    nop
    AWAIT %1, self_count
%endmacro

; 4. one-shot timer: TMICT = 1 (one TSC tick at divide by 1) until its
;    handler has run
%macro BODY_TMICT 1
    mov ecx, X2APIC_TMICT
    mov eax, 1
    xor edx, edx
  %if %1
    wrmsr
  %endif
    AWAIT %1, timer_count
%endmacro

; 5. TSC-deadline mode: a new deadline each time (rbx + the loop count),
;    far in the future: no interrupt
%macro BODY_TSC_DEADLINE 1
    lea rax, [rbx + r12]
    mov rdx, rax
    shr rdx, 32
    mov ecx, MSR_TSC_DEADLINE
  %if %1
    wrmsr
  %endif
%endmacro

; 9. the test device's scratch register (rsi = SCRATCH), a 32-bit MOV
;    each way
%macro BODY_MMIO_WRITE 1
    mov eax, r12d
  %if %1
    mov [rsi], eax
  %endif
%endmacro

%macro BODY_MMIO_READ 1
    mov ecx, r12d               ; as the write's loop: one instruction besides
  %if %1
    mov eax, [rsi]
  %endif
%endmacro

; STAMPED "name", N, SETUP, START: N times: SETUP (the deadline or start
; TSC into rbx, then the operation), wait for the handler that stamps
; [stamp] and counts [count]; the sum of stamp - rbx over N is the row.
; The handler's count and stamp: timer_count/timer_stamp or
; pong_count/pong_stamp (%4: timer or pong). Between rounds, AP_SETTLE
; turns (not timed) let vCPU 1 get back to its loop.
%macro STAMPED 4
    lea rax, [rel %%name]
    mov [row_name], rax
    mov qword [row_name_len], %%name_len
    jmp %%go
%%name: db %1
%%name_len equ $ - %%name
%%go:
    call reset_counts
    xor r14d, r14d
    mov r12d, %2
%%loop:
    %3
    inc r15
    WAIT_COUNT %{4}_count, r15
    mov rax, [%{4}_stamp]
    cmp rax, rbx
    jae %%not_early
    inc qword [early]
%%not_early:
    sub rax, rbx
    add r14, rax
    mov ecx, AP_SETTLE
%%settle:
    dec ecx
    jnz %%settle
    dec r12d
    jnz %%loop
    PRINT_ROW %1, "", r14, %2
%endmacro

; 6. TSC deadline TIMER_AHEAD ahead; the latency from the deadline to
;    the handler's RDTSC
%macro SETUP_DEADLINE 0
    RDTSC_TO_RAX
    lea rbx, [rax + TIMER_AHEAD]
    mov rax, rbx
    mov rdx, rbx
    shr rdx, 32
    mov ecx, MSR_TSC_DEADLINE
    wrmsr
%endmacro

; 3'. the delivery itself: a self-IPI made pending with interrupts off,
;    then from just before STI to the handler's RDTSC (the interrupt
;    window's exit and the injection)
%macro SETUP_STI 0
    cli
    SELF_IPI_REGS
    wrmsr
    RDTSC_TO_RAX
    mov rbx, rax
    sti
    nop
%endmacro

; 4'. from just before the TMICT write (one-shot, count 1) to the timer
;    handler's RDTSC
%macro SETUP_TMICT 0
    RDTSC_TO_RAX
    mov rbx, rax
    mov ecx, X2APIC_TMICT
    mov eax, 1
    xor edx, edx
    wrmsr
%endmacro

; 7, 8. a fixed IPI to APIC ID 1, from just before the ICR write; vCPU
;    1's handler answers with V_PONG, vCPU 0's stamps it
%macro SETUP_PING 0
    mov ecx, X2APIC_ICR
    RDTSC_TO_RAX
    mov rbx, rax
    mov eax, V_PING
    mov edx, 1                  ; destination: bits 63:32
    wrmsr
%endmacro

; CHECK_COUNT qword, value, "message"
%macro CHECK_COUNT 3
    cmp qword [%1], %2
    CHECK e, %3
%endmacro

; ---------------------------------------------------------------- handlers
; Each saves what it uses: the timed loops keep state in other registers.

self_handler:                   ; stamps first
    push rax
    push rdx
    STAMP_TO self_stamp
    push rcx
    inc qword [self_count]
    X2APIC_EOI_NOW
    pop rcx
    pop rdx
    pop rax
    iretq

timer_handler:                  ; stamps first
    push rax
    push rdx
    STAMP_TO timer_stamp
    push rcx
    inc qword [timer_count]
    X2APIC_EOI_NOW
    pop rcx
    pop rdx
    pop rax
    iretq

pong_handler:                   ; on vCPU 0, stamps first
    push rax
    push rdx
    STAMP_TO pong_stamp
    push rcx
    inc qword [pong_count]
    X2APIC_EOI_NOW
    pop rcx
    pop rdx
    pop rax
    iretq

ping_handler:                   ; on vCPU 1: answer first, then EOI
    push rax
    push rcx
    push rdx
    mov ecx, X2APIC_ICR
    mov eax, V_PONG
    xor edx, edx                ; to APIC ID 0
    wrmsr
    inc qword [ping_count]
    X2APIC_EOI_NOW
    pop rdx
    pop rcx
    pop rax
    iretq

spurious_handler:
    iretq

; ---------------------------------------------------------------- helpers

reset_counts:
    xor eax, eax
    mov [self_count], rax
    mov [timer_count], rax
    mov [pong_count], rax
    mov [ping_count], rax
    mov [early], rax
    xor r15d, r15d
    ret

; a spin wait gave up: FAIL naming the row, and end the guest
spin_timeout:
    mov eax, HC_TEST_RESULT
    mov ebx, 1
    mov rcx, [row_name]
    mov rdx, [row_name_len]
    vmcall
    REPORT 1, "a handler did not run: the row above never finished (a spin wait timed out)"
    EXIT 1

    BENCH_LIB

; SET_GATE vector, handler: a gate in the 256-vector IDT
%macro SET_GATE 2
    lea rdi, [rel idt]
    mov ecx, %1
    lea rax, [rel %2]
    call guest_set_gate
%endmacro

; map_scratch: Keel's page tables map the guest's RAM only; a 2 MiB page
; (uncached) at 0xfea00000 in a page directory of our own for the 4th GiB
; reaches the test register at 0xfeb00000 (identity)
map_scratch:
    mov rax, cr3
    and rax, -4096
    mov rbx, [rax]              ; PML4[0]: the PDPT
    and rbx, -4096
    lea rcx, [rel mmio_pd]
    or rcx, PTE_P_W
    mov [rbx + 3 * 8], rcx      ; PDPT[3]: 0xc0000000-0xffffffff
    mov rax, (SCRATCH & ~0x1fffff) | PTE_P_W | PTE_PCD | PTE_PS
    mov [rel mmio_pd + ((SCRATCH >> 21) & 511) * 8], rax
    mov rax, cr3
    mov cr3, rax
    ret

; ---------------------------------------------------------------- vCPU 0
bsp_main:
    UART_PUTS "guest-platform benchmark: two vCPUs, x2APIC"
    LONG64_SETUP
    SET_GATE 6, guest_fault_ud
    SET_GATE 13, guest_fault_gp
    SET_GATE 14, guest_fault_pf
    SET_GATE V_SELF, self_handler
    SET_GATE V_TIMER, timer_handler
    SET_GATE V_PING, ping_handler
    SET_GATE V_PONG, pong_handler
    SET_GATE V_SPURIOUS, spurious_handler
    lidt [idtr]
    X2APIC_ENABLE
    WRMSR_IMM X2APIC_TDCR, 0xb                  ; divide by 1
    call map_scratch
    sti

    ; 1-3: EOI, self-IPI, an IPI pending at STI
    ROW "eoi", N_FAST, BODY_EOI
    ROW "self_ipi", N_FAST, BODY_SELF_IPI
    CHECK_COUNT self_count, N_FAST, "self-IPI: the handler ran once per IPI"
    ROW "sti_ipi", N_FAST, BODY_STI_IPI
    CHECK_COUNT self_count, N_FAST, "IPI pending at STI: the handler ran once per IPI"
    STAMPED "sti_latency", N_SLOW, SETUP_STI, self
    CHECK_COUNT early, 0, "IPI pending at STI: not taken before STI"

    ; 4: TMICT to the one-shot timer's handler
    WRMSR_IMM X2APIC_LVT_TIMER, V_TIMER
    ROW "tmict", N_SLOW, BODY_TMICT
    CHECK_COUNT timer_count, N_SLOW, "TMICT = 1: the one-shot timer fired once per write"
    STAMPED "tmict_latency", N_SLOW, SETUP_TMICT, timer
    WRMSR_IMM X2APIC_TMICT, 0

    ; 5, 6: TSC-deadline mode: a write far ahead; then expiry to handler
    WRMSR_IMM X2APIC_LVT_TIMER, V_TIMER | LVT_TSC_DEADLINE
    RDTSC_TO_RAX
    mov rbx, FAR_FUTURE
    add rbx, rax
    ROW "tsc_deadline", N_FAST, BODY_TSC_DEADLINE
    CHECK_COUNT timer_count, 0, "TSC deadline far ahead: no interrupt"
    STAMPED "timer_latency", N_SLOW, SETUP_DEADLINE, timer
    CHECK_COUNT early, 0, "TSC deadline: no interrupt before its deadline"
    CHECK_COUNT timer_count, N_SLOW, "TSC deadline: one interrupt per deadline"
    WRMSR_IMM MSR_TSC_DEADLINE, 0
    WRMSR_IMM X2APIC_LVT_TIMER, LVT_MASKED

    ; 9: the device model behind an EPT violation, with instruction decoding
    mov esi, SCRATCH
    ROW "mmio_write", N_FAST, BODY_MMIO_WRITE
    ROW "mmio_read", N_FAST, BODY_MMIO_READ
    mov eax, [rsi]
    cmp eax, 1                  ; what the last write (r12d = 1) left
    CHECK e, "MMIO: the scratch register reads back what was written"

    ; 7, 8: vCPU 1 started, then IPI round trips with it busy and idle
    START_AP 1
    mov r8d, SPIN_LIMIT
.wait_ap:
    cmp qword [ap_alive], 1
    je .ap_up
    pause
    dec r8d
    jnz .wait_ap
    FAIL("vCPU 1 did not start")
    EXIT 1
.ap_up:
    STAMPED "ipi_busy", N_SLOW, SETUP_PING, pong
    CHECK_COUNT ping_count, N_SLOW, "IPI to busy vCPU 1: its handler ran once per IPI"
    mov qword [ap_mode], AP_IDLE
    mov ecx, AP_SETTLE
.to_idle:
    dec ecx
    jnz .to_idle
    STAMPED "ipi_halt", N_SLOW, SETUP_PING, pong
    CHECK_COUNT ping_count, N_SLOW, "IPI to halted vCPU 1: its handler ran once per IPI"
    EXIT 0

    LONG64_LIB

    IDT256

align 8
ap_alive:     dq 0
ap_mode:      dq AP_BUSY
self_count:   dq 0
self_stamp:   dq 0
timer_count:  dq 0
timer_stamp:  dq 0
pong_count:   dq 0
pong_stamp:   dq 0
ping_count:   dq 0
early:        dq 0
row_name:     dq 0
row_name_len: dq 0

align 4096
mmio_pd:      times 512 dq 0
