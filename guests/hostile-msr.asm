; hostile-msr: every class of MSR, read and written with good and bad
; values (docs/security.md, tests/integration/hostile-cpu.test). Each
; class is a table of cases (MSR, read or write, value, what must
; happen: #GP, or allowed and, for reads, the value); one PASS line a
; class, and for a case that goes otherwise a line naming the MSR, the
; operation and what happened.
; module: name=msr mode=long64
%include "guests/lib/guest.inc"
%include "guests/hostile/lib.inc"

bits 64
org 0x8000

OP_READ   equ 0     ; RDMSR, any value
OP_WRITE  equ 1     ; WRMSR of the value
OP_EQUALS equ 2     ; RDMSR, must read the value
GP        equ 13
OK        equ -1

; CASE msr, op, value, outcome
%macro CASE 4
    dd %1, %2
    dq %3, %4
%endmacro
CASE_SIZE equ 24

; CLASS table, "message": run the table's cases; PASS if all went as said
%macro CLASS 2
    lea rsi, [rel %1]
    lea rdi, [rel %1 %+ _end]
    call run_cases
    test rax, rax
    CHECK z, %2
%endmacro

start:
    H64_SETUP
    CLASS vmx, "VMX capability MSRs 0x480-0x491 and FEATURE_CONTROL: #GP, or locked with VMX off"
    CLASS apic, "IA32_APIC_BASE: reads 0xfee00900; reserved bits and EXTD without EN raise #GP"
    CLASS platform, "platform MSRs (0xce, 0x1a0, 0x35, 0x199, 0x19c, 0x1a2, 0x1b0, 0xe2, 0x610): #GP or read-only"
    CLASS smm, "SMM MSRs (SMBASE 0x9e, SMRR 0x1f2/0x1f3, SMM_MONITOR_CTL 0x9b, SMI_COUNT 0x34): #GP"
    CLASS mtrr, "MTRRs (0xfe, 0x2ff, 0x250, 0x258 emulated; 0x200, 0x201 absent), PAT: bad values raise #GP"
    CLASS pmu, "PMU MSRs (0x186, 0xc1, 0x38f, 0x390, 0x309, 0x38d) and DEBUGCTL LBR/BTS (0x1d9): #GP"
    CLASS ucode, "microcode MSRs: BIOS_UPDATE_TRIG 0x79 #GP, BIOS_SIGN_ID 0x8b revision 1 whatever is written"
    CLASS spec, "speculation MSRs (SPEC_CTRL 0x48, PRED_CMD 0x49, ARCH_CAPABILITIES 0x10a, FLUSH_CMD 0x10b, TSX_CTRL 0x122): #GP"
    CLASS misc, "EFER, TSC, TSC_ADJUST, XSS, TSC_AUX, bases and other ranges: reserved bits, non-canonical and unknown MSRs raise #GP"
    ; RDPMC: the counters are not the guest's
    TRAP_BEGIN GP
    xor ecx, ecx
    rdpmc
    TRAP_END "RDPMC of counter 0 raises #GP"
    TRAP_BEGIN GP
    mov ecx, 1 << 30
    rdpmc
    TRAP_END "RDPMC of fixed counter 0 raises #GP"
    ; the allowed ones still work after all that
    mov ecx, 0x277
    rdmsr
    cmp eax, 0x00070106
    CHECK e, "IA32_PAT written with valid types reads back"
    EXIT 0

; rsi = first case, rdi = end: rax = cases that went otherwise
run_cases:
    xor r12d, r12d
.case:
    cmp rsi, rdi
    jae .done
    mov ecx, [rsi]
    mov eax, [rsi + 8]
    mov edx, [rsi + 12]
    cmp dword [rsi + 4], OP_WRITE
    je .write
    TRY_BEGIN
    rdmsr
    mov [rel got_eax], eax
    mov [rel got_edx], edx
    TRY_END
    jmp .check
.write:
    TRY_BEGIN
    wrmsr
    TRY_END
.check:
    cmp rax, [rsi + 16]
    jne .wrong
    cmp rax, OK
    jne .next
    cmp dword [rsi + 4], OP_EQUALS
    jne .next
    mov eax, [rel got_eax]
    mov edx, [rel got_edx]
    shl rdx, 32
    or rax, rdx
    cmp rax, [rsi + 8]
    je .next
    UART_TEXT "read a different value: "
    UART_HEX
    mov rax, OK
.wrong:
    inc r12
    UART_TEXT "MSR "
    push rax
    mov eax, [rsi]
    UART_HEX
    UART_TEXT "operation (0 read, 1 write, 2 read and compare) "
    mov eax, [rsi + 4]
    UART_HEX
    UART_TEXT "raised (-1: nothing) "
    pop rax
    UART_HEX
.next:
    add rsi, CASE_SIZE
    jmp .case
.done:
    mov rax, r12
    ret

align 8
got_eax: dd 0
got_edx: dd 0

vmx:
%assign m 0x480
%rep 0x12
    CASE m, OP_READ, 0, GP
    CASE m, OP_WRITE, 0, GP
%assign m m + 1
%endrep
    CASE 0x3a, OP_EQUALS, 1, OK             ; FEATURE_CONTROL: locked, VMX off
    CASE 0x3a, OP_WRITE, 0, GP              ; unlock it
    CASE 0x3a, OP_WRITE, 5, GP              ; VMX on
vmx_end:

apic:
    CASE 0x1b, OP_EQUALS, 0xfee00900, OK
    CASE 0x1b, OP_WRITE, 0xfee00900, OK     ; the same value
    CASE 0x1b, OP_WRITE, 0xfee00b00, GP     ; bit 9 reserved
    CASE 0x1b, OP_WRITE, 0xfee00901, GP     ; bits 7:0 reserved
    CASE 0x1b, OP_WRITE, 0x10000000900, GP  ; beyond MAXPHYADDR
    CASE 0x1b, OP_WRITE, 0xfee00500, GP     ; EXTD without EN
    CASE 0x802, OP_READ, 0, GP              ; x2APIC ID in xAPIC mode
    CASE 0x830, OP_WRITE, 0x4500, GP        ; x2APIC ICR in xAPIC mode
apic_end:

platform:
    CASE 0xce, OP_READ, 0, GP               ; PLATFORM_INFO
    CASE 0xce, OP_WRITE, 0, GP
    CASE 0x1a0, OP_EQUALS, 0x1800, OK       ; MISC_ENABLE: no BTS/PEBS; fast strings as the host (Bochs: off)
    CASE 0x1a0, OP_WRITE, 0x1801, GP        ; fast strings on: the host's setting is not the guest's to change
    CASE 0x1a0, OP_WRITE, 0x1800 | 1 << 22, GP  ; limit CPUID maxval
    CASE 0x35, OP_READ, 0, GP               ; CORE_THREAD_COUNT
    CASE 0x199, OP_WRITE, 0xff00, GP        ; PERF_CTL: the host's P-state
    CASE 0x19c, OP_READ, 0, GP              ; THERM_STATUS
    CASE 0x1a2, OP_WRITE, 0, GP             ; TEMPERATURE_TARGET
    CASE 0x1b0, OP_WRITE, 15, GP            ; ENERGY_PERF_BIAS
    CASE 0xe2, OP_WRITE, 0, GP              ; PKG_CST_CONFIG_CONTROL
    CASE 0x610, OP_WRITE, 0, GP             ; PKG_POWER_LIMIT (RAPL)
platform_end:

smm:
    CASE 0x9e, OP_READ, 0, GP               ; SMBASE
    CASE 0x9e, OP_WRITE, 0x30000, GP
    CASE 0x1f2, OP_READ, 0, GP              ; SMRR_PHYSBASE
    CASE 0x1f2, OP_WRITE, 6, GP
    CASE 0x1f3, OP_WRITE, 0, GP             ; SMRR_PHYSMASK: open SMRAM
    CASE 0x9b, OP_WRITE, 1, GP              ; SMM_MONITOR_CTL: dual monitor
    CASE 0x34, OP_READ, 0, GP               ; SMI_COUNT
smm_end:

mtrr:
    CASE 0xfe, OP_EQUALS, 0x500, OK         ; MTRRCAP: fixed ranges, WC, no variable ones
    CASE 0xfe, OP_WRITE, 0x508, GP          ; read-only
    CASE 0x2ff, OP_EQUALS, 0xc06, OK        ; MTRR_DEF_TYPE: on, write-back
    CASE 0x2ff, OP_WRITE, 0xc02, GP         ; type 2 (reserved)
    CASE 0x2ff, OP_WRITE, 0x1c06, GP        ; bit 12 (reserved)
    CASE 0x200, OP_WRITE, 0, GP             ; PHYSBASE0: no variable ranges
    CASE 0x201, OP_WRITE, 0xfff0000800, GP  ; PHYSMASK0
    CASE 0x250, OP_WRITE, 0x0606060606060607, GP   ; FIX64K_00000: type 7 (reserved)
    CASE 0x258, OP_EQUALS, 0x0606060606060606, OK  ; FIX16K_80000: write-back
    CASE 0x277, OP_WRITE, 0x0007040600070402, GP   ; PAT with type 2 (reserved)
    CASE 0x277, OP_WRITE, 0x0007040600070408, GP   ; PAT with type 8
    CASE 0x277, OP_WRITE, 0x0007010600070106, OK   ; PAT: WB, WT, UC-, UC, ...
mtrr_end:

pmu:
    CASE 0x186, OP_WRITE, 0x4300c0, GP      ; PERFEVTSEL0: count instructions
    CASE 0x186, OP_READ, 0, GP
    CASE 0xc1, OP_READ, 0, GP               ; PMC0
    CASE 0xc1, OP_WRITE, 0, GP
    CASE 0x38f, OP_WRITE, 0xf, GP           ; PERF_GLOBAL_CTRL
    CASE 0x390, OP_WRITE, 0, GP             ; PERF_GLOBAL_OVF_CTRL
    CASE 0x309, OP_READ, 0, GP              ; FIXED_CTR0
    CASE 0x38d, OP_WRITE, 0x333, GP         ; FIXED_CTR_CTRL
    CASE 0x1d9, OP_WRITE, 1, GP             ; DEBUGCTL: LBR
    CASE 0x1d9, OP_WRITE, 0x40, GP          ; DEBUGCTL: BTS
    CASE 0x1d9, OP_EQUALS, 0, OK            ; DEBUGCTL: reads 0 (only BTF may be set)
pmu_end:

ucode:
    CASE 0x79, OP_WRITE, 0x10000, GP        ; BIOS_UPDATE_TRIG: "load" at 0x10000
    CASE 0x79, OP_READ, 0, GP
    CASE 0x8b, OP_WRITE, 0x12345678, OK     ; BIOS_SIGN_ID: writes change nothing
    CASE 0x8b, OP_EQUALS, 0x100000000, OK   ; revision 1, as KVM says
ucode_end:

spec:
    CASE 0x48, OP_READ, 0, GP               ; SPEC_CTRL
    CASE 0x48, OP_WRITE, 1, GP              ; IBRS
    CASE 0x49, OP_WRITE, 1, GP              ; PRED_CMD: IBPB
    CASE 0x10a, OP_READ, 0, GP              ; ARCH_CAPABILITIES
    CASE 0x10b, OP_WRITE, 1, GP             ; FLUSH_CMD: L1D flush
    CASE 0x122, OP_WRITE, 3, GP             ; TSX_CTRL
spec_end:

misc:
    CASE 0xc0000080, OP_WRITE, 0xd02, GP    ; EFER bit 1 (reserved)
    CASE 0xc0000080, OP_WRITE, 0x1d00, GP   ; EFER.SVME (AMD's)
    CASE 0xc0000080, OP_WRITE, 0xd01 | (1 << 32), GP   ; EFER bit 32
    CASE 0x10, OP_WRITE, 0, GP              ; TSC: the host's
    CASE 0x3b, OP_WRITE, 0x1000, GP         ; TSC_ADJUST
    CASE 0xda0, OP_WRITE, 0x100, GP         ; XSS
    CASE 0xc0000103, OP_WRITE, 7, GP        ; TSC_AUX
    CASE 0xc0000100, OP_WRITE, 0x0000800000000000, GP   ; FS_BASE not canonical
    CASE 0xc0000102, OP_WRITE, 0x8000000000000000, GP   ; KERNEL_GS_BASE not canonical
    CASE 0xc0000082, OP_WRITE, 0x0000800000000000, GP   ; LSTAR not canonical
    CASE 0x176, OP_WRITE, 0x0000800000000000, GP        ; SYSENTER_EIP not canonical
    CASE 0xc0010000, OP_READ, 0, GP         ; AMD's range
    CASE 0xc0010114, OP_WRITE, 0, GP        ; VM_CR (AMD)
    CASE 0x40000000, OP_READ, 0, GP         ; the hypervisor range
    CASE 0xffffffff, OP_WRITE, 0, GP
    CASE 0x12345678, OP_READ, 0, GP
misc_end:

H64_LIB
