; soak: a long run of mixed exits and interrupts for make soak
; (scripts/soak.sh, docs/testing.md). Each round takes seven exits of five
; reasons: CPUID, VMCALL (HC_NOP), IN (COM1 LSR) and OUT (COM1 scratch),
; RDMSR (IA32_FEATURE_CONTROL), WRMSR (a self-IPI through the x2APIC) and,
; in the interrupt's handler, WRMSR (EOI). Every round it checks that
; Keel left its registers as they were (r12-r15, and the values the
; exits return) and that the interrupt arrived once; every 4096 rounds,
; that a 4 KiB block of its memory still has its checksum. At the end it
; prints "soak: N rounds" for soak.sh to compare with Keel's exit counts.
; module: name=soak mode=long64
%include "guests/lib/guest.inc"
%include "guests/lib/apic.inc"
%include "guests/lib/bench.inc"

ROUNDS          equ 715000      ; x 7 exits, two guests: 10 million
V_SOAK          equ 0x41
V_SPURIOUS      equ 0xff
MAGIC12         equ 0x1212121212121212
MAGIC13         equ 0x1313131313131313
MAGIC14         equ 0x1414141414141414
MAGIC15         equ 0x1515151515151515
BLOCK_WORDS     equ 512         ; 4 KiB of 64-bit words
MSR_FEATURE_CONTROL equ 0x3a

bits 64
org 0x8000

start:
    UART_PUTS "soak: mixed exits and interrupts"
    LONG64_SETUP
    lea rdi, [rel idt]
    mov ecx, 6
    lea rax, [rel guest_fault_ud]
    call guest_set_gate
    lea rdi, [rel idt]
    mov ecx, 13
    lea rax, [rel guest_fault_gp]
    call guest_set_gate
    lea rdi, [rel idt]
    mov ecx, V_SOAK
    lea rax, [rel soak_handler]
    call guest_set_gate
    lea rdi, [rel idt]
    mov ecx, V_SPURIOUS
    lea rax, [rel spurious_handler]
    call guest_set_gate
    lidt [idtr]
    X2APIC_ENABLE
    call fill_block
    mov [block_sum], rax
    mov r12, MAGIC12
    mov r13, MAGIC13
    mov r14, MAGIC14
    mov r15, MAGIC15
    xor eax, eax
    cpuid
    mov [rel cpuid_max], eax
    sti
    xor ebp, ebp                ; rounds done (rbp: no exit returns in it)

round:
    xor eax, eax                ; CPUID 0: the same answer every time
    cpuid
    cmp eax, [rel cpuid_max]
    jne bad_cpuid
    mov eax, HC_NOP             ; VMCALL: HC_OK back
    vmcall
    test rax, rax
    jnz bad_vmcall
    mov dx, GUEST_COM1 + 7      ; OUT scratch, IN LSR
    mov eax, ebp
    out dx, al
    mov dx, GUEST_COM1 + 5
    in al, dx
    and al, 0x60
    cmp al, 0x60
    jne bad_lsr
    mov ecx, MSR_FEATURE_CONTROL    ; RDMSR: locked, VMX off
    rdmsr
    cmp eax, 1
    jne bad_rdmsr
    mov rsi, [rel handled]      ; a self-IPI, taken at once (IF=1)
    mov ecx, X2APIC_SELF_IPI
    mov eax, V_SOAK
    xor edx, edx
    wrmsr
    inc rsi
    cmp rsi, [rel handled]
    jne bad_irq
    mov rax, MAGIC12            ; Keel kept the registers no exit returns
    cmp r12, rax
    jne bad_regs
    mov rax, MAGIC13
    cmp r13, rax
    jne bad_regs
    mov rax, MAGIC14
    cmp r14, rax
    jne bad_regs
    mov rax, MAGIC15
    cmp r15, rax
    jne bad_regs
    inc rbp
    test ebp, 4095
    jnz .next
    call sum_block
    cmp rax, [block_sum]
    jne bad_memory
.next:
    cmp rbp, ROUNDS
    jb round

    cli
    REPORT 0, "registers, memory and interrupts held across every round"
    UART_STR "soak: "
    mov rax, rbp
    call put_dec
    UART_PUTS " rounds"
    EXIT 0

bad_cpuid:  REPORT 1, "CPUID 0 changed its answer"
    EXIT 1
bad_vmcall: REPORT 1, "HC_NOP did not return HC_OK"
    EXIT 1
bad_lsr:    REPORT 1, "COM1 LSR: transmitter not ready"
    EXIT 1
bad_rdmsr:  REPORT 1, "IA32_FEATURE_CONTROL changed"
    EXIT 1
bad_irq:    REPORT 1, "the self-IPI was not taken exactly once"
    EXIT 1
bad_regs:   REPORT 1, "a register Keel does not return changed"
    EXIT 1
bad_memory: REPORT 1, "the memory block's checksum changed"
    EXIT 1

soak_handler:
    push rax
    push rcx
    push rdx
    inc qword [rel handled]
    mov ecx, X2APIC_EOI
    xor eax, eax
    xor edx, edx
    wrmsr
    pop rdx
    pop rcx
    pop rax
    iretq

spurious_handler:
    iretq

; fill_block: a pattern in the block; rax = its checksum
fill_block:
    lea rdi, [rel block]
    mov rax, 0x9e3779b97f4a7c15
    mov ecx, BLOCK_WORDS
.fill:
    mov [rdi], rax
    rol rax, 7
    add rdi, 8
    dec ecx
    jnz .fill
; sum_block: rax = the block's checksum (clobbers rcx, rdx, rdi)
sum_block:
    lea rdi, [rel block]
    xor eax, eax
    mov ecx, BLOCK_WORDS
.sum:
    mov rdx, [rdi]
    xor rax, rdx
    rol rax, 1
    add rdi, 8
    dec ecx
    jnz .sum
    ret

    BENCH_LIB
    LONG64_LIB
cpuid_max:  dd 0
handled:    dq 0
block_sum:  dq 0
    IDT256
align 4096
block:      times BLOCK_WORDS dq 0
