; hostile-state: state a guest leaves in the CPU for the next guest on it
; (docs/security.md). entry=0x8000, the leaker: sets x87, SSE, AVX and
; AVX-512 registers and opmasks, MXCSR, XCR0, the syscall MSRs, the FS,
; GS and kernel GS bases, CR2, the debug registers, PAT, EFER.SCE, the
; TPR and x2APIC mode, and a global TLB entry, then exits. entry=0x8010,
; the checker, run next on the same CPU: each must read its reset value
; and the TLB entry must be its own. The checker run first on a CPU
; (hostile-holes.test) sees what the firmware left instead.
; module: name=state mode=long64
%include "guests/lib/guest.inc"
%include "guests/hostile/lib.inc"

bits 64
org 0x8000

    jmp near leaker
    align 16, db 0x90
    jmp near checker

LEAK equ 0x4b41454c2d2d2d2d     ; "----LEAK"
TLB_VA equ 0x40000000           ; a global 2 MiB page at guest-physical 0

%macro XSTATE_ON 0              ; OSFXSR, OSXMMEXCPT, OSXSAVE; XCR0 = 0xe7
    mov rax, cr4
    or eax, (1 << 9) | (1 << 10) | (1 << 18)
    mov cr4, rax
    xor ecx, ecx
    mov eax, 0xe7
    xor edx, edx
    xsetbv
%endmacro

leaker:
    H64_SETUP
    XSTATE_ON
    mov rax, LEAK
    vpbroadcastq zmm0, rax
%assign i 1
%rep 31
    vmovdqa64 zmm %+ i, zmm0
%assign i i + 1
%endrep
%assign i 1
%rep 7
    kmovq k %+ i, rax
%assign i i + 1
%endrep
    fninit
    fldcw [rel odd_fcw]
%rep 8
    fldpi
%endrep
    ldmxcsr [rel odd_mxcsr]
    WRMSR_VAL 0xc0000081, LEAK & 0xffffffff00000000
    WRMSR_VAL 0xc0000082, 0xffffffff8badf00d
    WRMSR_VAL 0xc0000083, 0xffffffff8badf00e
    WRMSR_VAL 0xc0000084, 0xffffffff
    WRMSR_VAL 0xc0000100, 0x7fff0badf000
    WRMSR_VAL 0xc0000101, 0x7fff0badf100
    WRMSR_VAL 0xc0000102, 0x7fff0badf200
    WRMSR_VAL 0x174, 0x10
    WRMSR_VAL 0x175, 0x7fff0badf300
    WRMSR_VAL 0x176, 0x7fff0badf400
    WRMSR_VAL 0x277, 0x0000000000000000     ; PAT all UC
    mov ecx, 0xc0000080
    rdmsr
    or eax, 1                   ; SCE
    wrmsr
    mov rax, 0xbadc2
    mov cr2, rax
    mov rax, 0x3f000000         ; never touched: the breakpoint stays quiet
    mov dr0, rax
    mov dr1, rax
    mov dr2, rax
    mov dr3, rax
    mov eax, 0xf
    mov dr6, rax
    mov eax, 0x0d0001           ; a write breakpoint at DR0
    mov dr7, rax
    mov eax, 0xf
    mov cr8, rax
    mov ecx, 0x1b
    rdmsr
    or eax, 1 << 10
    wrmsr
    ; the TLB: a global 2 MiB page at TLB_VA, used once
    mov rax, cr4
    or eax, 1 << 7              ; PGE
    mov cr4, rax
    mov qword [H_PD + 0x1000], H_PT_FLAGS | 0x100   ; TLB_VA -> 0, global
    mov rax, LEAK
    mov [0x1000], rax
    mov rdi, TLB_VA + 0x1000
    mov rax, [rdi]
    PASS("left its state in the CPU")
    EXIT 0

checker:
    ; before anything: what the CPU holds that the guest did not set
    fnstenv [rel fenv]
    RDMSR_RAX 0xc0000084
    mov [rel first_sfmask], rax
    H64_SETUP
    ; x87 and SSE: the reset state (FCW 0x37f after FNINIT/XRSTOR, or 0x40
    ; at power-up), empty registers
    movzx eax, word [rel fenv]  ; FCW
    cmp eax, 0x37f
    je .fcw
    cmp eax, 0x40
.fcw:
    CHECK e, "x87 control word is a reset value (0x37f or 0x40)"
    movzx eax, word [rel fenv + 8]     ; FTW
    cmp eax, 0xffff
    CHECK e, "x87 registers are all empty"
    mov rax, cr4
    or eax, (1 << 9) | (1 << 10) | (1 << 18)
    mov cr4, rax
    xor ecx, ecx
    xgetbv
    cmp eax, 1
    CHECK e, "XCR0 reads 1 (x87 only)"
    stmxcsr [rel scratch]
    cmp dword [rel scratch], 0x1f80
    CHECK e, "MXCSR reads 0x1f80"
    fxsave [rel fxarea]
    lea rsi, [rel fxarea + 32]  ; ST0-ST7
    mov ecx, 16
    xor eax, eax
.st:
    or rax, [rsi]
    add rsi, 8
    loop .st
    CHECK_ZERO rax, "x87 registers ST0-ST7 hold zeros"
    xor ecx, ecx
    mov eax, 0xe7
    xor edx, edx
    xsetbv
    vpxorq zmm31, zmm31, zmm31
%assign i 0
%rep 31
    vporq zmm31, zmm31, zmm %+ i
%assign i i + 1
%endrep
    vptestmq k1, zmm31, zmm31
    kmovq rax, k1
    CHECK_ZERO rax, "ZMM0-ZMM30 (so XMM and YMM too) hold zeros"
    xor eax, eax
%assign i 2
%rep 6
    kmovq rdx, k %+ i
    or rax, rdx
%assign i i + 1
%endrep
    CHECK_ZERO rax, "opmask registers k2-k7 hold zeros"
    ; MSRs, bases, CR2, debug registers
    RDMSR_RAX 0xc0000081
    mov rbx, rax
    RDMSR_RAX 0xc0000082
    or rbx, rax
    RDMSR_RAX 0xc0000083
    or rbx, rax
    RDMSR_RAX 0xc0000084
    or rbx, rax
    RDMSR_RAX 0xc0000102
    or rbx, rax
    CHECK_ZERO rbx, "STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE read 0"
    RDMSR_RAX 0xc0000100
    mov rbx, rax
    RDMSR_RAX 0xc0000101
    or rbx, rax
    RDMSR_RAX 0x174
    or rbx, rax
    RDMSR_RAX 0x175
    or rbx, rax
    RDMSR_RAX 0x176
    or rbx, rax
    CHECK_ZERO rbx, "FS_BASE, GS_BASE, SYSENTER_CS/ESP/EIP read 0"
    RDMSR_RAX 0x277
    mov rdx, 0x0007040600070406
    cmp rax, rdx
    CHECK e, "PAT reads its reset value 0x0007040600070406"
    RDMSR_RAX 0xc0000080
    test eax, 1
    CHECK z, "EFER.SCE is clear"
    mov rax, cr2
    CHECK_ZERO rax, "CR2 reads 0"
    mov rax, dr0
    mov rbx, dr1
    or rax, rbx
    mov rbx, dr2
    or rax, rbx
    mov rbx, dr3
    or rax, rbx
    CHECK_ZERO rax, "DR0-DR3 read 0"
    mov rax, dr6
    mov edx, 0xffff0ff0
    cmp rax, rdx
    CHECK e, "DR6 reads 0xffff0ff0"
    mov rax, dr7
    cmp rax, 0x400
    CHECK e, "DR7 reads 0x400"
    mov rax, cr8
    CHECK_ZERO rax, "CR8 (TPR) reads 0"
    RDMSR_RAX 0x1b
    mov edx, 0xfee00900
    cmp rax, rdx
    CHECK e, "IA32_APIC_BASE reads 0xfee00900 (xAPIC, enabled, BSP)"
    rdtscp
    mov eax, ecx
    CHECK_ZERO rax, "RDTSCP's TSC_AUX reads 0"
    ; the TLB: its own global page at TLB_VA, not the leaker's
    mov rax, cr4
    or eax, 1 << 7
    mov cr4, rax
    mov qword [H_PD + 0x1000], H_PT_FLAGS | 0x100
    mov rax, 0x454e494d2d2d2d2d     ; "-----MINE" 
    mov [0x1000], rax
    mov rdi, TLB_VA + 0x1000
    mov rdx, [rdi]
    cmp rdx, rax
    CHECK e, "a global page at the leaker's address maps its own memory"
    mov rax, [rel first_sfmask]
    CHECK_ZERO rax, "SFMASK read 0 before anything ran"
    EXIT 0

align 2
odd_fcw:   dw 0x0c7f            ; round toward zero
align 4
odd_mxcsr: dd 0x7f80            ; round toward zero
scratch:   dd 0
align 16
fenv:      times 28 db 0
align 8
first_sfmask: dq 0
align 64
fxarea:    times 512 db 0
H64_LIB
