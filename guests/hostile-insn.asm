; hostile-insn: every VMX instruction, SVM's, SGX's and SMX's, and the
; privileged ones, at CPL 0 and CPL 3 (docs/security.md,
; tests/integration/hostile-cpu.test). Keel offers no nested VMX: each
; VMX instruction must raise #UD as on a CPU without VMX (CPUID says so);
; the other vendors' and extensions' instructions #UD as the CPU has
; them not; privileged instructions at CPL 3 raise #GP before any VM
; exit. The guest must stay running throughout.
; module: name=insn mode=long64
%include "guests/lib/guest.inc"
%include "guests/hostile/lib.inc"

bits 64
org 0x8000

%macro UD 2                         ; UD "bytes or instruction", "message"
    TRAP_BEGIN 6
    %1
    TRAP_END %2
%endmacro

%macro CPL3_GP 2                    ; CPL3_GP {instructions}, "message"
    TRAP_BEGIN 13
    USER_MODE
    %1
    TRAP_END %2
%endmacro

start:
    H64_SETUP
    lea rbx, [rel region]
    ; VMX: all #UD
    UD {vmxon [rbx]}, "VMXON raises #UD"
    UD {vmxoff}, "VMXOFF raises #UD"
    UD {vmptrld [rbx]}, "VMPTRLD raises #UD"
    UD {vmptrst [rbx]}, "VMPTRST raises #UD"
    UD {vmclear [rbx]}, "VMCLEAR raises #UD"
    UD {vmread rax, rcx}, "VMREAD raises #UD"
    UD {vmwrite rcx, rax}, "VMWRITE raises #UD"
    UD {vmlaunch}, "VMLAUNCH raises #UD"
    UD {vmresume}, "VMRESUME raises #UD"
    UD {invept rax, [rbx]}, "INVEPT raises #UD"
    UD {invvpid rax, [rbx]}, "INVVPID raises #UD"
    UD {db 0x0f, 0x01, 0xd4}, "VMFUNC raises #UD"
    TRAP_BEGIN 6
    USER_MODE
    vmxon [rbx]
    TRAP_END "VMXON at CPL 3 raises #UD"
    ; SVM, SGX, SMX
    UD {db 0x0f, 0x01, 0xd8}, "VMRUN raises #UD"
    UD {db 0x0f, 0x01, 0xd9}, "VMMCALL raises #UD"
    UD {db 0x0f, 0x01, 0xda}, "VMLOAD raises #UD"
    UD {db 0x0f, 0x01, 0xdb}, "VMSAVE raises #UD"
    UD {db 0x0f, 0x01, 0xdc}, "STGI raises #UD"
    UD {db 0x0f, 0x01, 0xdd}, "CLGI raises #UD"
    UD {db 0x0f, 0x01, 0xde}, "SKINIT raises #UD"
    UD {db 0x0f, 0x01, 0xdf}, "INVLPGA raises #UD"
    UD {db 0x0f, 0x01, 0xcf}, "ENCLS raises #UD"
    UD {db 0x0f, 0x01, 0xd7}, "ENCLU raises #UD"
    UD {db 0x0f, 0x01, 0xc0}, "ENCLV raises #UD"
    UD {db 0x0f, 0x37}, "GETSEC raises #UD"
    UD {db 0x0f, 0x01, 0xc5}, "PCONFIG raises #UD"
    UD {db 0x0f, 0xaa}, "RSM outside SMM raises #UD"
    UD {monitor}, "MONITOR raises #UD (hidden)"
    UD {mwait}, "MWAIT raises #UD (hidden)"
    ; instructions that run without Keel, or exit and come back
    TRAP_BEGIN -1
    rdrand rax
    rdseed rax
    rdtscp
    wbinvd
    invd
    clts
    TRAP_END "RDRAND, RDSEED, RDTSCP, WBINVD, INVD, CLTS run"
    TRAP_BEGIN -1
    mov eax, 2
    invpcid rax, [rbx]
    TRAP_END "INVPCID of everything runs"
    TRAP_BEGIN 13
    mov eax, 4
    invpcid rax, [rbx]
    TRAP_END "INVPCID of type 4 raises #GP"
    ; task switches in IA-32e mode: #GP, no task switch
    TRAP_BEGIN 13
    jmp far [rel tss_far]
    TRAP_END "far JMP to a TSS selector in 64-bit mode raises #GP"
    TRAP_BEGIN 13
    call far [rel tss_far]
    TRAP_END "far CALL to a TSS selector in 64-bit mode raises #GP"
    ; system calls set up wrong
    TRAP_BEGIN 6
    syscall
    TRAP_END "SYSCALL with EFER.SCE clear raises #UD"
    TRAP_BEGIN 13
    sysenter
    TRAP_END "SYSENTER with SYSENTER_CS 0 raises #GP"
    TRAP_BEGIN 1
    db 0xf1                     ; INT1 (ICEBP)
    TRAP_END "INT1 delivers #DB to the guest"
    TRAP_BEGIN 3
    int3
    TRAP_END "INT3 delivers #BP to the guest"
    ; CPL 3: privileged instructions raise #GP before any VM exit
    CPL3_GP {hlt}, "HLT at CPL 3 raises #GP"
    CPL3_GP {wbinvd}, "WBINVD at CPL 3 raises #GP"
    CPL3_GP {invd}, "INVD at CPL 3 raises #GP"
    CPL3_GP {invlpg [rbx]}, "INVLPG at CPL 3 raises #GP"
    CPL3_GP {lgdt [rbx]}, "LGDT at CPL 3 raises #GP"
    mov ecx, 0xc0000080
    CPL3_GP {rdmsr}, "RDMSR at CPL 3 raises #GP"
    mov ecx, 0x3a
    CPL3_GP {wrmsr}, "WRMSR at CPL 3 raises #GP"
    xor eax, eax
    CPL3_GP {mov cr8, rax}, "MOV to CR8 at CPL 3 raises #GP"
    CPL3_GP {in al, 0x80}, "IN at CPL 3 (IOPL 0) raises #GP"
    CPL3_GP {out 0xf4, al}, "OUT to the exit port at CPL 3 (IOPL 0) raises #GP"
    CPL3_GP {rdpmc}, "RDPMC at CPL 3 raises #GP"
    CPL3_GP {clts}, "CLTS at CPL 3 raises #GP"
    CPL3_GP {swapgs}, "SWAPGS at CPL 3 raises #GP"
    TRAP_BEGIN -1
    USER_MODE
    mov eax, 0x40000000
    cpuid
    mov [rel user_ebx], ebx
    TRAP_END "CPUID at CPL 3 works"
    cmp dword [rel user_ebx], 'Keel'
    CHECK e, "CPUID at CPL 3 answers Keel's leaf"
    EXIT 0

align 8
region:   times 64 db 0
tss_far:  dd 0
          dw H_SEL_TSS
user_ebx: dd 0
H64_LIB
