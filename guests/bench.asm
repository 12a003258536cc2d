; bench: the exit-cost benchmark (make bench, docs/benchmark.md). Each
; operation runs N times between two RDTSCs; the same loop without the
; operation is measured too, so (op - empty) / N is one round trip: the
; guest's instruction, everything Keel does for the exit, and VMRESUME.
; In Bochs the TSC counts instructions, so these are instruction counts.
; Results go out as "bench NAME TOTAL N" lines for scripts/bench.sh.
; module: name=bench mode=long64 mem=128
%include "guests/lib/guest.inc"
%include "guests/lib/bench.inc"

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
    PRINT_ROW %1, "", rax, N
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

    BENCH_LIB

%include "guests/lib/cpu_loop.inc"
