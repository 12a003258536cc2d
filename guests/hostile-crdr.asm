; hostile-crdr: control- and debug-register reserved bits, registers that
; do not exist, and XSETBV abuse (docs/security.md,
; tests/integration/hostile-cpu.test). Each must raise the fault the SDM
; gives (MOV to CR0/CR4/CR3/DR: #GP; CR1 and DR4 with CR4.DE: #UD; XSETBV:
; #GP, #UD without CR4.OSXSAVE) and leave the guest running. The holes
; still open (DR6 bits 63:32, debug registers and XSETBV at CPL 3, DR4
; with CR4.DE, CR0.PG from 64-bit code) are in hostile-holes.asm.
; module: name=crdr mode=long64
%include "guests/lib/guest.inc"
%include "guests/hostile/lib.inc"

bits 64
org 0x8000

%macro CR_WRITE 3                   ; CR_WRITE cr, value, "message": #GP
    TRAP_BEGIN 13
    mov rax, %2
    mov %1, rax
    TRAP_END %3
%endmacro

%macro CR_SET 3                     ; CR_SET cr, bits, "message": cr | bits, #GP
    TRAP_BEGIN 13
    mov rax, %1
    mov rdx, %2
    or rax, rdx
    mov %1, rax
    TRAP_END %3
%endmacro

%macro CR_CLEAR 3                   ; CR_CLEAR cr, bits, "message": cr & ~bits, #GP
    TRAP_BEGIN 13
    mov rax, %1
    mov rdx, ~(%2)
    and rax, rdx
    mov %1, rax
    TRAP_END %3
%endmacro

%macro XSETBV_GP 3                  ; XSETBV_GP index, value, "message"
    TRAP_BEGIN 13
    mov ecx, %1
    mov rax, %2
    mov rdx, rax
    shr rdx, 32
    xsetbv
    TRAP_END %3
%endmacro

start:
    H64_SETUP
    ; CR0
    CR_SET cr0, 1 << 32, "MOV to CR0 with bit 32 raises #GP"
    CR_SET cr0, 1 << 63, "MOV to CR0 with bit 63 raises #GP"
    CR_SET cr0, 1 << 29, "MOV to CR0 with NW and not CD raises #GP"
    CR_CLEAR cr0, 1, "MOV to CR0 clearing PE with PG on raises #GP"
    mov r12, cr0                ; (REPORT uses RAX-RDX)
    TRAP_BEGIN -1
    mov rax, r12
    or eax, (1 << 30) | (1 << 29)
    mov cr0, rax                ; CD and NW: the guest's to see, not Keel's caches
    mov rax, cr0
    mov cr0, r12
    TRAP_END "MOV to CR0 with CD and NW works (and leaves Keel's caches on)"
    ; CR4
    CR_SET cr4, 1 << 13, "MOV to CR4 with VMXE raises #GP"
    CR_SET cr4, 1 << 14, "MOV to CR4 with SMXE raises #GP (no SMX)"
    CR_SET cr4, 1 << 12, "MOV to CR4 with LA57 in IA-32e mode raises #GP"
    CR_SET cr4, 1 << 15, "MOV to CR4 with reserved bit 15 raises #GP"
    CR_SET cr4, 1 << 32, "MOV to CR4 with bit 32 raises #GP"
    CR_CLEAR cr4, 1 << 5, "MOV to CR4 clearing PAE in IA-32e mode raises #GP"
    CR_SET cr4, 1 << 22, "MOV to CR4 with PKE (not offered) raises #GP"
    CR_SET cr4, 1 << 23, "MOV to CR4 with CET (not offered) raises #GP"
    TRAP_BEGIN 13
    mov rax, cr3
    or eax, 0x5                 ; a PCID while CR4.PCIDE is set
    mov cr3, rax
    mov rax, cr4
    or eax, 1 << 17
    mov cr4, rax
    TRAP_END "MOV to CR4 setting PCIDE with CR3[11:0] not 0 raises #GP"
    mov eax, H_PML4
    mov cr3, rax
    ; CR3, CR8, and the control registers that do not exist
    CR_SET cr3, 1 << 45, "MOV to CR3 with a bit above MAXPHYADDR raises #GP"
    CR_WRITE cr8, 16, "MOV to CR8 of 16 raises #GP"
    CR_WRITE cr8, -1, "MOV to CR8 of 2^64-1 raises #GP"
    TRAP_BEGIN 6
    mov rax, cr1
    TRAP_END "MOV from CR1 raises #UD"
    TRAP_BEGIN 6
    mov cr5, rax
    TRAP_END "MOV to CR5 raises #UD"
    TRAP_BEGIN 6
    db 0x44, 0x0f, 0x20, 0xc8   ; mov rax, cr9
    TRAP_END "MOV from CR9 raises #UD"
    TRAP_BEGIN 6
    db 0x44, 0x0f, 0x22, 0xf8   ; mov cr15, rax
    TRAP_END "MOV to CR15 raises #UD"
    ; debug registers: DR4/DR5 with CR4.DE, DR7 bits 63:32, DR7 reads back
    TRAP_BEGIN 13
    mov rax, (1 << 40) | 0x400
    mov dr7, rax
    TRAP_END "MOV to DR7 with bit 40 raises #GP"
    mov rax, 0x0d0001
    mov dr7, rax
    mov rax, dr7
    cmp rax, 0x0d0401
    CHECK e, "DR7 keeps the guest's breakpoint enables (reads 0xd0401)"
    xor eax, eax
    mov dr7, rax
    ; XSETBV
    TRAP_BEGIN 6
    xor ecx, ecx
    mov eax, 3
    xor edx, edx
    xsetbv
    TRAP_END "XSETBV with CR4.OSXSAVE clear raises #UD"
    mov rax, cr4
    or eax, (1 << 18) | (1 << 9)
    mov cr4, rax
    XSETBV_GP 0, 2, "XSETBV XCR0 without x87 raises #GP"
    XSETBV_GP 0, 0, "XSETBV XCR0 = 0 raises #GP"
    XSETBV_GP 0, 5, "XSETBV XCR0 with AVX and not SSE raises #GP"
    XSETBV_GP 0, 0x27, "XSETBV XCR0 with opmask but not ZMM raises #GP"
    XSETBV_GP 0, 0xe3, "XSETBV XCR0 with AVX-512 and not AVX raises #GP"
    XSETBV_GP 0, 0x9, "XSETBV XCR0 with BNDREGS (no MPX) raises #GP"
    XSETBV_GP 0, 0x403, "XSETBV XCR0 with reserved bit 10 raises #GP"
    XSETBV_GP 0, (1 << 63) | 3, "XSETBV XCR0 with bit 63 raises #GP"
    XSETBV_GP 1, 3, "XSETBV of XCR1 raises #GP"
    XSETBV_GP 0xffffffff, 3, "XSETBV of XCR 0xffffffff raises #GP"
    TRAP_BEGIN -1
    xor ecx, ecx
    mov eax, 0xe7
    xor edx, edx
    xsetbv
    xgetbv
    mov r12d, eax
    TRAP_END "XSETBV XCR0 = 0xe7 (x87, SSE, AVX, AVX-512) works"
    cmp r12d, 0xe7
    CHECK e, "XGETBV reads 0xe7 back"
    TRAP_BEGIN 13
    mov ecx, 2
    xgetbv
    TRAP_END "XGETBV of XCR 2 raises #GP"
    EXIT 0

H64_LIB
