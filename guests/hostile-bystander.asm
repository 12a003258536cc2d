; hostile-bystander: the well-behaved guest beside the hostile ones
; (docs/security.md). Pinned to a CPU of its own, it sets its memory,
; registers, MSRs and devices to values of its own, then for a fixed
; number of rounds checks that every one still holds and that its exits
; (CPUID, VMCALL, port I/O, MMIO, MSRs) answer as at the start, while its
; APIC timer keeps interrupting it. Any difference: FAIL, naming it, and
; exit 1. The attackers run meanwhile on the other CPUs; the tests check
; that its PASS lines come after the last attacker ended. entry= picks
; the number of rounds: 0x8000 + 16 * k runs rounds[k].
; module: name=bystander mode=long64 cpus=1-1 time=120
%include "guests/lib/guest.inc"
%include "guests/hostile/lib.inc"

bits 64
org 0x8000

REGION      equ 0x100000        ; 512 KiB of patterned memory, in 32 chunks
REGION_SIZE equ 0x80000
CHUNK       equ REGION_SIZE / 32
TIMER_VEC   equ 0x40
MAGIC       equ 0x6b65656c5f627973  ; "sys_leek"
TEST_DEV    equ 0xfeb00000

%macro ROUNDS_SLOT 1
    align 16, db 0x90
    mov r15d, %1
    jmp main
%endmacro
    ROUNDS_SLOT 1000            ; entry=0x8000
    ROUNDS_SLOT 2000            ; entry=0x8010
    ROUNDS_SLOT 4000            ; entry=0x8020
    ROUNDS_SLOT 8000            ; entry=0x8030
    ROUNDS_SLOT 12000           ; entry=0x8040
    ROUNDS_SLOT 16000           ; entry=0x8050
    ROUNDS_SLOT 24000           ; entry=0x8060
    ROUNDS_SLOT 32000           ; entry=0x8070
    ROUNDS_SLOT 48000           ; entry=0x8080

main:
    mov [rel rounds], r15
    H64_SETUP
    rdtsc
    mov [rel tsc_start], eax
    mov [rel tsc_start + 4], edx
    ; extended state: SSE and AVX on, XCR0 = x87 | SSE | AVX
    mov rax, cr4
    or eax, (1 << 9) | (1 << 10) | (1 << 18)
    mov cr4, rax
    xor ecx, ecx
    mov eax, 7
    xor edx, edx
    xsetbv
    ; memory: the pattern, and each chunk's checksum
    mov rdi, REGION
    mov rax, MAGIC
    mov ecx, REGION_SIZE / 8
.fill:
    mov [rdi], rax
    imul rax, rax, 6364136
    add rax, rdi
    add rdi, 8
    loop .fill
    xor esi, esi
.sums:
    mov eax, esi
    call chunk_sum
    mov [sums + rsi * 8], rax
    inc esi
    cmp esi, 32
    jb .sums
    lea rax, [rel start_of_code]
    call image_sum
    mov [rel image_checksum], rax
    ; registers: general, x87, SSE/AVX, MXCSR
    mov r8, 0x0808080808080808
    mov r9, 0x0909090909090909
    mov r10, 0x1010101010101010
    mov r11, 0x1111111111111111
    mov r12, 0x1212121212121212
    mov r13, 0x1313131313131313
    mov r14, 0x1414141414141414
    fninit
    fldcw [rel fcw]
    fldpi
    ldmxcsr [rel mxcsr]
%assign i 0
%rep 15
    vmovdqu ymm %+ i, [rel ymm_values + 32 * i]
%assign i i + 1
%endrep
    ; MSRs, CR2, the debug registers
    mov ecx, 0xc0000081
    mov eax, 0x00100008         ; STAR
    mov edx, 0x00230010
    wrmsr
    WRMSR_VAL 0xc0000082, 0xffffffff81000000     ; LSTAR
    WRMSR_VAL 0xc0000083, 0xffffffff81000100     ; CSTAR
    WRMSR_VAL 0xc0000084, 0x47700                ; SFMASK
    WRMSR_VAL 0xc0000100, 0x7fff00001000         ; FS_BASE
    WRMSR_VAL 0xc0000101, 0x7fff00002000         ; GS_BASE
    WRMSR_VAL 0xc0000102, 0xffff800000003000     ; KERNEL_GS_BASE
    WRMSR_VAL 0x175, 0xffff800000004000          ; SYSENTER_ESP
    mov rax, 0x5a5a5000
    mov cr2, rax
    mov rax, 0x11110000
    mov dr0, rax
    mov rax, 0x22220000
    mov dr1, rax
    mov rax, 0x33330000
    mov dr2, rax
    mov rax, 0x44440000
    mov dr3, rax
    mov eax, 2
    mov cr8, rax
    ; its devices
    mov dx, GUEST_COM1 + 7      ; the UART's scratch register
    mov al, 0xa5
    out dx, al
    mov al, 0xa5                ; the master PIC's mask
    out 0x21, al
    mov dx, 0xcf8
    mov eax, 0x8000b00c
    out dx, eax
    mov rax, MAGIC
    mov rdi, TEST_DEV
    mov [rdi], rax
    ; the APIC: x2APIC, a periodic timer
    mov ecx, 0x1b
    rdmsr
    or eax, 1 << 10
    wrmsr
    WRMSR_VAL 0x80f, 0x1ff      ; SVR: enabled, spurious vector 0xff
    WRMSR_VAL 0x83e, 0xb        ; divide by 1
    WRMSR_VAL 0x832, (1 << 17) | TIMER_VEC
    WRMSR_VAL 0x838, 400000
    lea rax, [rel count_timer]
    mov [rel h_irq_hook], rax
    mov byte [rel h_irq_eoi], 1
    sti
    UART_PUTS "set up: memory, registers, MSRs, devices, APIC timer; checking"

; ---------------------------------------------------------------- rounds
    xor r15d, r15d
round:
    ; a chunk of memory
    mov eax, r15d
    and eax, 31
    mov esi, eax
    call chunk_sum
    cmp rax, [sums + rsi * 8]
    FAIL_IF ne, "bystander memory changed under it"
    ; general registers
    mov rax, 0x0808080808080808
    cmp r8, rax
    FAIL_IF ne, "bystander R8 changed"
    mov rax, 0x0909090909090909
    cmp r9, rax
    FAIL_IF ne, "bystander R9 changed"
    mov rax, 0x1010101010101010
    cmp r10, rax
    FAIL_IF ne, "bystander R10 changed"
    mov rax, 0x1111111111111111
    cmp r11, rax
    FAIL_IF ne, "bystander R11 changed"
    mov rax, 0x1212121212121212
    cmp r12, rax
    FAIL_IF ne, "bystander R12 changed"
    mov rax, 0x1313131313131313
    cmp r13, rax
    FAIL_IF ne, "bystander R13 changed"
    mov rax, 0x1414141414141414
    cmp r14, rax
    FAIL_IF ne, "bystander R14 changed"
    ; SSE/AVX: YMM0-14 (YMM15 is the scratch)
%assign i 0
%rep 15
    vpcmpeqb ymm15, ymm %+ i, [rel ymm_values + 32 * i]
    vpmovmskb eax, ymm15
    cmp eax, -1
    FAIL_IF ne, "bystander YMM register changed"
%assign i i + 1
%endrep
    ; x87 and MXCSR, XCR0
    fnstcw [rel scratch]
    cmp word [rel scratch], 0x27b
    FAIL_IF ne, "bystander x87 control word changed"
    fst qword [rel scratch]
    mov rax, [rel scratch]
    mov rdx, 0x400921fb54442d18     ; pi
    cmp rax, rdx
    FAIL_IF ne, "bystander x87 ST0 changed"
    stmxcsr [rel scratch]
    cmp dword [rel scratch], 0x9f80
    FAIL_IF ne, "bystander MXCSR changed"
    xor ecx, ecx
    xgetbv
    cmp eax, 7
    FAIL_IF ne, "bystander XCR0 changed"
    ; MSRs (direct ones and ones that exit), CR2, the debug registers
    RDMSR_CMP 0xc0000081, 0x0023001000100008, "bystander STAR changed"
    RDMSR_CMP 0xc0000082, 0xffffffff81000000, "bystander LSTAR changed"
    RDMSR_CMP 0xc0000083, 0xffffffff81000100, "bystander CSTAR changed"
    RDMSR_CMP 0xc0000084, 0x47700, "bystander SFMASK changed"
    RDMSR_CMP 0xc0000100, 0x7fff00001000, "bystander FS_BASE changed"
    RDMSR_CMP 0xc0000101, 0x7fff00002000, "bystander GS_BASE changed"
    RDMSR_CMP 0xc0000102, 0xffff800000003000, "bystander KERNEL_GS_BASE changed"
    RDMSR_CMP 0x175, 0xffff800000004000, "bystander SYSENTER_ESP changed"
    RDMSR_CMP 0x802, 0, "bystander x2APIC ID is not 0"
    mov rax, cr2
    cmp rax, 0x5a5a5000
    FAIL_IF ne, "bystander CR2 changed"
    mov rax, dr0
    cmp rax, 0x11110000
    FAIL_IF ne, "bystander DR0 changed"
    mov rax, dr3
    cmp rax, 0x44440000
    FAIL_IF ne, "bystander DR3 changed"
    mov rax, cr8
    cmp eax, 2
    FAIL_IF ne, "bystander CR8 changed"
    mov rax, cr4
    cmp rax, 0x40620
    FAIL_IF ne, "bystander CR4 changed"
    mov rax, cr3
    cmp rax, H_PML4
    FAIL_IF ne, "bystander CR3 changed"
    ; exits: CPUID, VMCALL
    mov eax, 0x40000000
    cpuid
    cmp ebx, 'Keel'
    FAIL_IF ne, "bystander CPUID 0x40000000 is not Keel's"
    mov eax, 1
    cpuid
    shr ebx, 16
    cmp ebx, 1                  ; APIC ID 0, one logical processor
    FAIL_IF ne, "bystander CPUID.1:EBX changed"
    mov eax, HC_NOP
    mov ebx, 12345
    vmcall
    test rax, rax
    FAIL_IF nz, "bystander VMCALL HC_NOP did not return 0"
    ; its devices
    mov dx, GUEST_COM1 + 7
    in al, dx
    cmp al, 0xa5
    FAIL_IF ne, "bystander COM1 scratch register changed"
    mov dx, GUEST_COM1 + 5
    in al, dx
    cmp al, 0x60
    FAIL_IF ne, "bystander COM1 LSR is not 0x60"
    in al, 0x21
    cmp al, 0xa5
    FAIL_IF ne, "bystander PIC mask changed"
    mov dx, 0xcf8
    in eax, dx
    cmp eax, 0x8000b00c
    FAIL_IF ne, "bystander PCI address register changed"
    mov rdi, TEST_DEV
    mov rax, [rdi]
    mov rdx, MAGIC
    cmp rax, rdx
    FAIL_IF ne, "bystander test device register changed"
    ; nothing it did not ask for
    cmp qword [rel unexpected_irqs], 0
    je .irqs_ok
    UART_TEXT "last vector "
    mov rax, [rel h_irq_last]
    UART_HEX
    FAIL("bystander took an interrupt it did not ask for")
    EXIT 1
.irqs_ok:
    cmp qword [rel h_nmi_count], 0
    FAIL_IF ne, "bystander took an NMI it did not ask for"
    inc r15
    cmp r15, [rel rounds]
    jb round

; ---------------------------------------------------------------- end
    cli
    xor esi, esi
.final:
    mov eax, esi
    call chunk_sum
    cmp rax, [sums + rsi * 8]
    FAIL_IF ne, "bystander memory changed under it"
    inc esi
    cmp esi, 32
    jb .final
    lea rax, [rel start_of_code]
    call image_sum
    cmp rax, [rel image_checksum]
    FAIL_IF ne, "bystander image changed under it"
    cmp qword [rel timer_count], 0
    FAIL_IF e, "bystander APIC timer never fired"
    UART_TEXT "rounds "
    mov rax, [rel rounds]
    UART_HEX
    UART_TEXT "timer interrupts "
    mov rax, [rel timer_count]
    UART_HEX
    UART_TEXT "TSC ticks "
    rdtsc
    shl rdx, 32
    or rax, rdx
    sub rax, [rel tsc_start]
    UART_HEX
    PASS("memory: 512 KiB pattern and its image unchanged")
    PASS("registers: general, x87, SSE/AVX, MXCSR, XCR0 unchanged")
    PASS("MSRs, CR2, CR3, CR4, CR8, debug registers unchanged")
    PASS("exits: CPUID, VMCALL, port I/O, MMIO, RDMSR answered as at the start")
    PASS("devices: COM1 scratch, PIC mask, PCI address, test register unchanged")
    PASS("interrupts: its timer fired; nothing it did not ask for")
    EXIT 0

; eax = chunk number: rax = its checksum
chunk_sum:
    push rcx
    push rdi
    push rdx
    mov edi, eax
    imul edi, edi, CHUNK
    add edi, REGION
    mov ecx, CHUNK / 8
    xor eax, eax
.add:
    add rax, [rdi]
    rol rax, 5
    add rdi, 8
    loop .add
    pop rdx
    pop rdi
    pop rcx
    ret

; rax = start: the checksum of the image's code, up to end_of_code
image_sum:
    push rcx
    push rdi
    mov rdi, rax
    lea rcx, [rel end_of_code]
    sub rcx, rdi
    shr ecx, 3
    xor eax, eax
.add:
    add rax, [rdi]
    rol rax, 3
    add rdi, 8
    loop .add
    pop rdi
    pop rcx
    ret

count_timer:                    ; h_irq_hook: eax = vector
    cmp eax, TIMER_VEC
    jne .other
    inc qword [rel timer_count]
    ret
.other:
    inc qword [rel unexpected_irqs]
    ret

start_of_code equ $$
end_of_code:
H64_LIB

align 32
ymm_values:
%assign i 0
%rep 15
    times 4 dq 0x0101010101010101 * (i + 1) + 0x0f00
%assign i i + 1
%endrep
fcw:   dw 0x27b
align 4
mxcsr: dd 0x9f80
align 8
rounds:         dq 0
tsc_start:      dq 0
image_checksum: dq 0
timer_count:    dq 0
unexpected_irqs: dq 0
scratch:        dq 0
sums:           times 32 dq 0
