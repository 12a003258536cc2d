; prot32: a 32-bit protected-mode guest (paging off): console, CPUID, an
; MSR, then it ends through QEMU's isa-debug-exit port instead of a
; hypercall: writing 7 gives status (7 << 1) | 1 = 15.
; module: name=prot32 mode=prot32
%include "guests/lib/guest.inc"

bits 32
org 0x8000

start:
    UART_PUTS "hello from a 32-bit protected-mode guest"
    mov eax, cr0
    test eax, 1
    CHECK nz, "CR0.PE is 1"
    mov eax, cr0
    test eax, 1 << 31
    CHECK z, "CR0.PG is 0"
    mov ecx, 0xc0000080
    rdmsr
    test eax, 1 << 8
    CHECK z, "IA32_EFER.LME is 0"
    mov dword [0x100000], 0xfeedface    ; 1 MiB: inside its 2 MiB of RAM
    cmp dword [0x100000], 0xfeedface
    CHECK e, "memory at 1 MiB is RAM"
    mov dx, GUEST_EXIT_PORT
    mov eax, 7
    out dx, eax
    FAIL("still running after isa-debug-exit")
