; exits64: a 64-bit guest that goes through each exit family Keel
; handles and checks what it sees. Module line:
; module: name=exits64 mode=long64
%include "guests/lib/guest.inc"

bits 64
org 0x8000

start:
    UART_PUTS "hello from a 64-bit guest, on the virtual COM1"
    HC_PUTS "and through the console hypercall"
    LONG64_SETUP

    ; CPUID: VMX and MONITOR hidden, hypervisor bit and Keel's leaf shown
    mov eax, 1
    cpuid
    test ecx, 1 << 5
    CHECK z, "CPUID.1:ECX.VMX is 0"
    mov eax, 1
    cpuid
    bt ecx, 31
    CHECK c, "CPUID.1:ECX.hypervisor is 1"
    mov eax, 0x40000000
    cpuid
    cmp ebx, 'Keel'
    CHECK e, "CPUID 0x40000000 signature is KeelKeelKeel"

    ; The fast paths (vmx/entry.asm): CPUID of a leaf the host answers and
    ; VMCALL HC_NOP change what they answer and RIP, no other register
    call set_patterns
    xor eax, eax
    xor ecx, ecx
    cpuid                       ; leaf 0: the host's
    call check_patterns
    CHECK e, "CPUID leaf 0 keeps RSI, RDI, RBP and R8-R15"
    call set_patterns
    mov rbx, 0xb1b2b3b4b5b6b7b8
    mov rcx, 0xc1c2c3c4c5c6c7c8
    mov rdx, 0xd1d2d3d4d5d6d7d8
    mov eax, HC_NOP
    vmcall
    test rax, rax               ; HC_OK
    jnz .nop_bad
    mov rax, 0xb1b2b3b4b5b6b7b8
    cmp rbx, rax
    jne .nop_bad
    mov rax, 0xc1c2c3c4c5c6c7c8
    cmp rcx, rax
    jne .nop_bad
    mov rax, 0xd1d2d3d4d5d6d7d8
    cmp rdx, rax
    jne .nop_bad
    call check_patterns
.nop_bad:
    CHECK e, "VMCALL HC_NOP returns 0 and keeps every other register"
    ; RDMSR of an MSR whose answer never changes: the second read of
    ; IA32_FEATURE_CONTROL is answered from what the first kept
    mov ecx, 0x3a               ; IA32_FEATURE_CONTROL
    rdmsr
    push rax
    push rdx
    call set_patterns
    mov rbx, 0xb1b2b3b4b5b6b7b8
    mov rax, -1
    mov rdx, -1
    mov ecx, 0x3a
    rdmsr
    pop rcx                     ; the first read's EDX
    cmp rdx, rcx
    pop rcx                     ; and EAX
    jne .rdmsr_bad
    cmp rax, rcx
    jne .rdmsr_bad
    mov rax, 0xb1b2b3b4b5b6b7b8
    cmp rbx, rax
    jne .rdmsr_bad
    call check_patterns
.rdmsr_bad:
    CHECK e, "RDMSR IA32_FEATURE_CONTROL again: the same EDX:EAX, every other register kept"
    ; I/O (entry.asm's path calls the device): IN writes AL or AX, or EAX
    ; clearing bits 63:32; OUT and IN change no other register
    call set_patterns
    mov rbx, 0xb1b2b3b4b5b6b7b8
    mov rcx, 0xc1c2c3c4c5c6c7c8
    mov rdx, 0xd1d2d3d4d5d60000 + GUEST_COM1 + 7     ; DX: COM1's scratch register
    mov rax, 0x1122334455667788
    out dx, al
    mov rax, 0x99aabbccddeeff00
    in al, dx
    cmp rax, [rel io_want_al]
    jne .io_bad
    mov dx, 0x80                ; POST: reads all ones
    in ax, dx
    cmp rax, [rel io_want_ax]
    jne .io_bad
    in eax, dx
    cmp rax, [rel io_want_eax]
    jne .io_bad
    mov rax, 0xb1b2b3b4b5b6b7b8
    cmp rbx, rax
    jne .io_bad
    mov rax, 0xc1c2c3c4c5c6c7c8
    cmp rcx, rax
    jne .io_bad
    mov rax, 0xd1d2d3d4d5d60080
    cmp rdx, rax
    jne .io_bad
    call check_patterns
.io_bad:
    CHECK e, "IN AL, AX and EAX merge as the SDM says, OUT and IN keep every other register"

    ; CR access: VMXE is Keel's, the guest does not see it
    mov rax, cr4
    test eax, 1 << 13
    CHECK z, "CR4.VMXE reads as 0"
    mov rax, cr4
    or eax, 1 << 9              ; OSFXSR: the guest's to set
    mov cr4, rax
    mov rax, cr4
    test eax, 1 << 9
    CHECK nz, "MOV to CR4 keeps the guest's OSFXSR"
    mov rax, cr0
    and eax, ~(1 << 5)          ; clear NE: VMX needs it, the shadow keeps it clear
    mov cr0, rax
    mov rax, cr0
    test eax, 1 << 5
    CHECK z, "CR0.NE cleared by the guest reads back as 0"
    mov rax, cr0
    or eax, 1 << 30             ; CD: the guest sees it set, Keel's caches stay on
    mov cr0, rax
    mov rax, cr0
    bt eax, 30
    CHECK c, "CR0.CD set by the guest reads back as 1"
    mov rax, cr0
    and eax, ~(1 << 30)
    mov cr0, rax
    mov rax, cr0
    or eax, 1 << 30
    mov cr0, rax                ; and leave it set: Keel must not inherit it
    FAULT_BEGIN 13
    mov rax, cr4
    or eax, 1 << 13
    mov cr4, rax
    FAULT_END "MOV to CR4 with VMXE raises #GP"

    ; CR8 (Keel keeps the TPR: no TPR shadow) and debug registers (kept
    ; per vCPU; DR4/DR5 alias DR6/DR7 with CR4.DE = 0)
    mov eax, 5
    mov cr8, rax
    mov rax, cr8
    cmp eax, 5
    CHECK e, "MOV CR8 writes and reads back 5"
    FAULT_BEGIN 13
    mov eax, 16
    mov cr8, rax
    FAULT_END "MOV to CR8 of 16 raises #GP"
    mov rax, 0x12345678
    mov dr0, rax
    mov rbx, dr0
    cmp rbx, rax
    CHECK e, "DR0 written and read back"
    mov eax, 1
    mov dr4, rax                ; DR4 is DR6
    mov rbx, dr6
    cmp ebx, 0xffff0ff1         ; DR6's fixed bits, and bit 0 written
    CHECK e, "DR4 writes DR6"

    ; MSRs: the allow-list, and #GP for the rest
    mov ecx, 0xc0000080
    rdmsr
    test eax, 1 << 10
    CHECK nz, "RDMSR IA32_EFER shows LMA"
    mov ecx, 0x3a
    rdmsr
    cmp eax, 1
    CHECK e, "RDMSR IA32_FEATURE_CONTROL reads locked, VMX off"
    FAULT_BEGIN 13
    mov ecx, 0x3a
    mov eax, 5
    xor edx, edx
    wrmsr
    FAULT_END "WRMSR IA32_FEATURE_CONTROL raises #GP"
    FAULT_BEGIN 13
    mov ecx, 0x12345
    rdmsr
    FAULT_END "RDMSR of an unknown MSR raises #GP"
    FAULT_BEGIN 13
    mov ecx, 0xc0000080         ; EFER.LME cannot change under paging
    rdmsr
    and eax, ~(1 << 8)
    wrmsr
    FAULT_END "WRMSR clearing EFER.LME with paging on raises #GP"
    FAULT_BEGIN 13
    mov ecx, 0x176              ; SYSENTER_EIP must be canonical
    xor eax, eax
    mov edx, 0x80000000
    wrmsr
    FAULT_END "WRMSR of a non-canonical SYSENTER_EIP raises #GP"
    mov ecx, 0xc0000100         ; FS_BASE: passed through by the MSR bitmap
    mov eax, 0x1000
    xor edx, edx
    wrmsr
    rdmsr
    cmp eax, 0x1000
    CHECK e, "IA32_FS_BASE written and read back"

    ; XSETBV: a valid value works, a bad one raises #GP
    mov rax, cr4
    or eax, 1 << 18             ; OSXSAVE
    mov cr4, rax
    xor ecx, ecx
    mov eax, 3                  ; x87 | SSE
    xor edx, edx
    xsetbv
    xgetbv
    cmp eax, 3
    CHECK e, "XSETBV XCR0 = 3 works"
    FAULT_BEGIN 13
    xor ecx, ecx
    mov eax, 2
    xor edx, edx
    xsetbv
    FAULT_END "XSETBV without x87 raises #GP"

    ; I/O: the virtual UART is ready, a port with no device reads all ones
    mov dx, GUEST_COM1 + 5
    in al, dx
    cmp al, 0x60
    CHECK e, "COM1 LSR reads transmitter empty"
    mov dx, 0x80
    in al, dx
    cmp al, 0xff
    CHECK e, "a port with no device reads 0xff"

    ; caches and VMX instructions
    wbinvd
    invd
    PASS("WBINVD and INVD return")
    FAULT_BEGIN 6
    vmxon [rel vmxon_region]
    FAULT_END "VMXON raises #UD"
    FAULT_BEGIN 6
    vmread rax, rbx
    FAULT_END "VMREAD raises #UD"

    ; a hypercall with a buffer outside guest RAM is refused, not followed
    mov eax, HC_CONSOLE_WRITE
    mov rbx, 0x40000000
    mov ecx, 16
    vmcall
    cmp rax, -2
    CHECK e, "console hypercall with a buffer outside RAM returns -2"
    mov eax, 99
    vmcall
    cmp rax, -1
    CHECK e, "unknown hypercall 99 returns -1"

    EXIT 0

; set_patterns: RSI, RDI, RBP, R8-R15 to values of their own;
; check_patterns: ZF set if they still hold them
%macro PATTERNS 1
    %1 rsi, 0x5050505050505051
    %1 rdi, 0x5050505050505052
    %1 rbp, 0x5050505050505053
    %1 r8,  0x5050505050505054
    %1 r9,  0x5050505050505055
    %1 r10, 0x5050505050505056
    %1 r11, 0x5050505050505057
    %1 r12, 0x5050505050505058
    %1 r13, 0x5050505050505059
    %1 r14, 0x505050505050505a
    %1 r15, 0x505050505050505b
%endmacro
%macro SET_ONE 2
    mov %1, %2
%endmacro
%macro CHECK_ONE 2
    mov rax, %2
    cmp %1, rax
    jne .out
%endmacro
set_patterns:
    PATTERNS SET_ONE
    ret
check_patterns:
    PATTERNS CHECK_ONE
.out:
    ret

vmxon_region: dq 0
io_want_al:  dq 0x99aabbccddeeff88
io_want_ax:  dq 0x99aabbccddeeffff
io_want_eax: dq 0x00000000ffffffff
LONG64_LIB
