; cpuid-msr: what a guest is told of its CPU, and what the MSRs Linux
; touches at boot do, checked from inside the way Linux 6.1 reads them
; (tests/integration/bochs-cpuid-msr.test; docs/guests.md, "What a guest
; sees"). Prints the TSC frequency it derives from CPUID 0x15 as Linux's
; native_calibrate_tsc does, for the test to compare with Keel's.
; module: name=cpuid-msr mode=long64
%include "guests/lib/guest.inc"

bits 64
org 0x8000

; LEAF leaf, sub: CPUID into eax, ebx, ecx, edx
%macro LEAF 2
    mov eax, %1
    mov ecx, %2
    cpuid
%endmacro

; READS msr, value, "message": RDMSR gives the value, no fault
%macro READS 3
    mov ecx, %1
    call read_msr
    mov rbx, %2
    cmp rax, rbx
    CHECK e, %3
%endmacro

; WRITES msr, value, fault (-1: none), "message"
%macro WRITES 4
    FAULT_BEGIN %3
    mov ecx, %1
    mov rax, %2
    mov rdx, rax
    shr rdx, 32
    wrmsr
    FAULT_END %4
%endmacro

; READ_FAULTS msr, "message": RDMSR raises #GP
%macro READ_FAULTS 2
    FAULT_BEGIN 13
    mov ecx, %1
    rdmsr
    FAULT_END %2
%endmacro

start:
    LONG64_SETUP

    ; ---------------------------------------------------------- CPUID
    LEAF 0, 0
    cmp eax, 0x16
    CHECK ae, "CPUID.0: the highest basic leaf is at least 0x16"

    ; Linux's native_calibrate_tsc: kHz = ECX / 1000 * EBX / EAX, 32 bits
    LEAF 0x15, 0
    mov r8d, eax
    mov r9d, ebx
    xor eax, eax
    test r8d, r8d
    jz .no_ratio
    test r9d, r9d
    jz .no_ratio
    mov eax, ecx
    xor edx, edx
    mov ecx, 1000
    div ecx
    mul r9d
    div r8d
.no_ratio:
    mov [rel tsc_khz], eax
    test eax, eax
    CHECK nz, "CPUID.15H: a crystal frequency and ratio (Linux need not calibrate)"
    lea rsi, [rel txt_khz]
    call put_str
    mov eax, [rel tsc_khz]
    call put_dec
    lea rsi, [rel txt_khz_end]
    call put_str

    mov eax, [rel tsc_khz]
    add eax, 500
    xor edx, edx
    mov ecx, 1000
    div ecx
    mov r8d, eax
    LEAF 0x16, 0
    cmp eax, r8d
    CHECK e, "CPUID.16H: base MHz is the same TSC frequency"
    LEAF 0x40000010, 0
    cmp eax, [rel tsc_khz]
    CHECK e, "CPUID.40000010H: TSC kHz is the same"
    LEAF 0x40000010, 0
    cmp ebx, [rel tsc_khz]
    CHECK e, "CPUID.40000010H: the APIC timer counts at the TSC rate"
    LEAF 0x80000007, 0
    cmp edx, 1 << 8
    CHECK e, "CPUID.80000007H: invariant TSC, nothing else"

    LEAF 0x40000000, 0
    cmp eax, 0x40000010
    CHECK e, "CPUID.40000000H: highest hypervisor leaf 0x40000010"
    LEAF 0x40000000, 0
    cmp ebx, 'Keel'
    jne .sig
    cmp ecx, 'Keel'
    jne .sig
    cmp edx, 'Keel'
.sig:
    CHECK e, "CPUID.40000000H: KeelKeelKeel"
    LEAF 0x40000100, 0
    or eax, ebx
    or eax, ecx
    or eax, edx
    CHECK z, "CPUID.40000100H: zero (no other hypervisor's leaves)"

    LEAF 1, 0
    test ecx, 0x4c9fc
    CHECK z, "CPUID.1:ECX: no DTES64, MONITOR, DS-CPL, VMX, SMX, EST, TM2, SDBG, xTPR, PDCM, DCA"
    LEAF 1, 0
    test edx, 0xa0600000
    CHECK z, "CPUID.1:EDX: no DS, ACPI, TM, PBE"
    LEAF 1, 0
    and ecx, (1 << 31) | (1 << 24)
    cmp ecx, (1 << 31) | (1 << 24)
    CHECK e, "CPUID.1:ECX: hypervisor and TSC-deadline"
    LEAF 1, 0
    and edx, (1 << 7) | (1 << 14) | (1 << 12) | (1 << 16)
    cmp edx, (1 << 7) | (1 << 14) | (1 << 12) | (1 << 16)
    CHECK e, "CPUID.1:EDX: MCE, MCA, MTRR and PAT (their MSRs answer)"
    LEAF 1, 0
    test ecx, 1 << 27
    CHECK z, "CPUID.1:ECX.OSXSAVE is 0 while CR4.OSXSAVE is"
    mov rax, cr4
    or rax, 1 << 18
    mov cr4, rax
    LEAF 1, 0
    test ecx, 1 << 27
    CHECK nz, "CPUID.1:ECX.OSXSAVE is 1 once CR4.OSXSAVE is"
    mov rax, cr4
    and rax, ~(1 << 18)
    mov cr4, rax

    LEAF 5, 0
    or eax, ebx
    or eax, ecx
    or eax, edx
    CHECK z, "CPUID.5 (MONITOR/MWAIT): zero"
    LEAF 6, 0
    cmp eax, 1 << 2
    jne .l6
    or ebx, ecx
    or ebx, edx
.l6:
    CHECK e, "CPUID.6: ARAT only (no thermal, APERF/MPERF, EPB, HWP)"
    LEAF 0xa, 0
    or eax, edx
    CHECK z, "CPUID.0AH: performance monitoring version 0"
    LEAF 7, 0
    test ebx, (1 << 1) | (1 << 2) | (1 << 14) | (1 << 25)
    CHECK z, "CPUID.7:EBX: no TSC_ADJUST, SGX, MPX, Intel PT"
    LEAF 7, 0
    test edx, (1 << 26) | (1 << 27) | (1 << 28) | (1 << 30) | (1 << 31)
    CHECK z, "CPUID.7:EDX: no IA32_SPEC_CTRL features, L1D_FLUSH, CORE_CAPABILITIES"
    LEAF 0x80000001, 0
    test edx, 1 << 27
    CHECK z, "CPUID.80000001H:EDX: no RDTSCP (IA32_TSC_AUX is not switched)"
    LEAF 0xd, 0
    test eax, 0x18
    CHECK z, "CPUID.0DH: no MPX state"

    ; ---------------------------------------------------------- MSRs
    ; intel_get_microcode_revision: write 0, CPUID, read
    WRITES 0x8b, 0, -1, "WRMSR IA32_BIOS_SIGN_ID 0 is accepted"
    LEAF 1, 0
    READS 0x8b, 0x100000000, "RDMSR IA32_BIOS_SIGN_ID: revision 1"
    READS 0x1a0, 0x1800, "RDMSR IA32_MISC_ENABLE: fast strings as the host (Bochs: off), no BTS or PEBS"
    WRITES 0x1a0, 0x1800, -1, "WRMSR IA32_MISC_ENABLE of the same value is accepted"
    READS 0x3a, 1, "RDMSR IA32_FEATURE_CONTROL: locked, VMX off"
    READS 0x277, 0x0007040600070406, "RDMSR IA32_PAT: the power-on value"
    ; get_mtrr_state, then the AP's prepare_set/post_set
    READS 0xfe, 0x500, "RDMSR IA32_MTRRCAP: fixed ranges, WC, no variable ranges"
    READS 0x2ff, 0xc06, "RDMSR IA32_MTRR_DEF_TYPE: enabled, fixed ranges, write-back"
    READS 0x250, 0x0606060606060606, "RDMSR IA32_MTRR_FIX64K_00000: write-back"
    READS 0x259, 0, "RDMSR IA32_MTRR_FIX16K_A0000: uncacheable"
    READS 0x26f, 0x0606060606060606, "RDMSR IA32_MTRR_FIX4K_F8000: write-back"
    WRITES 0x2ff, 0, -1, "WRMSR IA32_MTRR_DEF_TYPE 0 (MTRRs off, as Linux does around a change)"
    READS 0x2ff, 0, "IA32_MTRR_DEF_TYPE reads back 0"
    WRITES 0x26f, 0x0505050505050505, -1, "WRMSR IA32_MTRR_FIX4K_F8000 write-protected"
    READS 0x26f, 0x0505050505050505, "IA32_MTRR_FIX4K_F8000 reads back"
    WRITES 0x26f, 0x0606060606060606, -1, "WRMSR IA32_MTRR_FIX4K_F8000 back to write-back"
    WRITES 0x2ff, 0xc06, -1, "WRMSR IA32_MTRR_DEF_TYPE back on"
    READS 0x2ff, 0xc06, "IA32_MTRR_DEF_TYPE reads back 0xc06"
    WRITES 0x2ff, 0xc02, 13, "WRMSR IA32_MTRR_DEF_TYPE of type 2 (reserved) raises #GP"
    WRITES 0x200, 0, 13, "WRMSR IA32_MTRR_PHYSBASE0 raises #GP (no variable ranges)"
    ; machine check: no banks
    READS 0x179, 0, "RDMSR IA32_MCG_CAP: no banks, no MCG_CTL"
    READS 0x17a, 0, "RDMSR IA32_MCG_STATUS: 0"
    WRITES 0x17a, 0, -1, "WRMSR IA32_MCG_STATUS 0 is accepted"
    READ_FAULTS 0x400, "RDMSR IA32_MC0_CTL raises #GP (no banks)"
    ; DEBUGCTL: BTF only
    READS 0x1d9, 0, "RDMSR IA32_DEBUGCTL: 0"
    WRITES 0x1d9, 2, -1, "WRMSR IA32_DEBUGCTL.BTF is accepted"
    READS 0x1d9, 2, "IA32_DEBUGCTL reads back BTF"
    WRITES 0x1d9, 0, -1, "WRMSR IA32_DEBUGCTL 0 is accepted"
    WRITES 0x1d9, 1, 13, "WRMSR IA32_DEBUGCTL.LBR raises #GP"
    ; IA32_XSS: there with XSAVES only, then 0 only
    LEAF 0xd, 1
    test eax, 1 << 3
    jz .no_xsaves
    READS 0xda0, 0, "XSAVES shown: RDMSR IA32_XSS reads 0"
    WRITES 0xda0, 0, -1, "XSAVES shown: WRMSR IA32_XSS 0 is accepted"
    WRITES 0xda0, 1 << 8, 13, "XSAVES shown: WRMSR IA32_XSS of a supervisor state raises #GP"
    jmp .xss_done
.no_xsaves:
    READ_FAULTS 0xda0, "XSAVES not shown: RDMSR IA32_XSS raises #GP"
.xss_done:
    ; what Linux probes with rdmsr_safe, or may not touch: #GP, unlogged
    lea rsi, [rel probes]
    xor r12d, r12d
.probe:
    mov ecx, [rsi]
    test ecx, ecx
    jz .probed
    lea rax, [rel .after]       ; FAULT_BEGIN/END without a line each
    mov [guest_resume_rip], rax
    mov qword [guest_fault_seen], -1
    rdmsr
.after:
    mov qword [guest_resume_rip], 0
    cmp qword [guest_fault_seen], 13
    je .gp
    inc r12d
    push rsi
    lea rsi, [rel txt_nogp]
    call put_str
    pop rsi
    mov eax, [rsi]
    call put_hex_line
.gp:
    add rsi, 4
    jmp .probe
.probed:
    test r12d, r12d
    CHECK z, "RDMSR of 19 MSRs Linux probes or must not touch raises #GP"
    READ_FAULTS 0x4b564d00, "RDMSR of kvmclock's MSR raises #GP (not KVM)"
    EXIT 0

; ecx = MSR: rax = its value (RDMSR)
read_msr:
    rdmsr
    shl rdx, 32
    or rax, rdx
    ret

; rsi = NUL-terminated text, to COM1
put_str:
    push rax
    push rdx
    mov dx, GUEST_COM1
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    pop rdx
    pop rax
    ret

; eax: in decimal, to COM1
put_dec:
    push rbx
    push rcx
    push rdx
    mov ebx, 10
    xor ecx, ecx
.div:
    xor edx, edx
    div ebx
    push rdx
    inc ecx
    test eax, eax
    jnz .div
    mov dx, GUEST_COM1
.out:
    pop rax
    add al, '0'
    out dx, al
    loop .out
    pop rdx
    pop rcx
    pop rbx
    ret

; eax: "0x" and hex digits, and a newline, to COM1
put_hex_line:
    push rcx
    push rdx
    mov edx, eax
    mov ecx, 8
    push rdx
    mov dx, GUEST_COM1
    mov al, '0'
    out dx, al
    mov al, 'x'
    out dx, al
    pop rdx
.digit:
    rol edx, 4
    mov eax, edx
    and eax, 15
    cmp al, 10
    jb .dec
    add al, 'a' - 10 - '0'
.dec:
    add al, '0'
    push rdx
    mov dx, GUEST_COM1
    out dx, al
    pop rdx
    loop .digit
    mov al, 10
    push rdx
    mov dx, GUEST_COM1
    out dx, al
    pop rdx
    pop rdx
    pop rcx
    ret

txt_khz: db "TSC from CPUID 0x15: ", 0
txt_khz_end: db " kHz", 10, 0
txt_nogp: db "no #GP from RDMSR of ", 0
align 4
tsc_khz: dd 0
; MISC_FEATURES_ENABLES, PLATFORM_INFO, TEST_CTRL, PPIN_CTL, TSC_ADJUST,
; SPEC_CTRL, PRED_CMD (read), ARCH_CAPABILITIES (Bochs has none), MPERF,
; APERF, PERF_CAPABILITIES, ENERGY_PERF_BIAS, RAPL_POWER_UNIT,
; PLATFORM_ID, TSC_AUX, THERM_STATUS, PERF_STATUS, CORE_CAPABILITIES,
; MTRR_PHYSBASE0
probes: dd 0x140, 0xce, 0x33, 0x4e, 0x3b, 0x48, 0x49, 0x10a, 0xe7, 0xe8, 0x345, 0x1b0, 0x606
        dd 0x17, 0xc0000103, 0x19c, 0x198, 0xcf, 0x200, 0

LONG64_LIB
