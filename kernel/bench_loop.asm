; Keel's copy of the benchmark's CPU-bound loop (bench=on): see
; guests/lib/cpu_loop.inc.
bits 64
section .text
global bench_cpu_loop
%include "guests/lib/cpu_loop.inc"
section .note.GNU-stack noalloc noexec nowrite progbits
