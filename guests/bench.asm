; bench: the exit-cost benchmark (make bench, docs/benchmark.md). Each
; operation runs N times between two RDTSCs; the same loop without the
; operation is measured too, so (op - empty) / N is one round trip: the
; guest's instruction, everything Keel does for the exit, and VMRESUME.
; In Bochs the TSC counts instructions, so these are instruction counts.
; Results go out as "bench NAME TOTAL N" lines for scripts/bench.sh.
; module: name=bench mode=long64
%include "guests/lib/guest.inc"

N equ 1000

bits 64
org 0x8000

%macro BENCH 2-3                ; name, set-up instruction, measured instruction
    mov r12d, N
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov r13, rax
%%loop:
    %2
    %3
    dec r12d
    jnz %%loop
    rdtsc
    shl rdx, 32
    or rax, rdx
    sub rax, r13
    mov r14, rax
    UART_STR "bench "
    UART_STR %1
    UART_STR " "
    mov rax, r14
    call put_dec
    UART_STR " "
    mov eax, N
    call put_dec
    mov dx, GUEST_COM1
    mov al, 10
    out dx, al
%endmacro

; UART_STR "text": bytes on COM1, no newline
%macro UART_STR 1
    mov dx, GUEST_COM1
    %strlen %%n %1
    %assign %%i 1
    %rep %%n
        %substr %%c %1 %%i
        mov al, %%c
        out dx, al
        %assign %%i %%i + 1
    %endrep
%endmacro

start:
    UART_PUTS "exit-cost benchmark: round trips of N=1000 operations"
    BENCH "empty",     {mov eax, 0}
    BENCH "cpuid",     {mov eax, 0}, cpuid
    BENCH "vmcall",    {mov eax, 0}, vmcall
    BENCH "empty_io",  {mov dx, GUEST_COM1 + 7}
    BENCH "io_write",  {mov dx, GUEST_COM1 + 7}, {out dx, al}
    BENCH "io_read",   {mov dx, GUEST_COM1 + 5}, {in al, dx}
    BENCH "empty_msr", {mov ecx, 0x3a}
    BENCH "rdmsr",     {mov ecx, 0x3a}, rdmsr
    ; the CPU-bound loop, once
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov r13, rax
    call bench_cpu_loop
    rdtsc
    shl rdx, 32
    or rax, rdx
    sub rax, r13
    mov r14, rax
    UART_STR "bench cpu_loop "
    mov rax, r14
    call put_dec
    UART_PUTS " 1"
    EXIT 0

; put_dec: RAX in decimal on COM1
put_dec:
    mov rcx, 10
    xor r8d, r8d
.div:
    xor edx, edx
    div rcx
    push rdx
    inc r8d
    test rax, rax
    jnz .div
    mov dx, GUEST_COM1
.out:
    pop rax
    add al, '0'
    out dx, al
    dec r8d
    jnz .out
    ret

%include "guests/lib/cpu_loop.inc"
