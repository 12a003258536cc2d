; VM entry and exit (SDM "VM Entries", "VM Exits"). The VMCS holds the
; guest's RSP, RIP and RFLAGS; the other general registers live in
; struct guest_regs inside struct vcpu (vmx/guest.h).
;
; The whole run loop is here, so that an exit costs no more than it must:
; host registers are saved and HOST_RSP written once per vmx_run; each
; exit saves the guest registers (for the common exits only those C may
; clobber, below), calls the handler, then the pre-entry step if a
; request waits (one compare when none does) and, unless they say stop,
; resumes the guest.

%include "asm_consts.inc"      ; GR_*, VCPU_LAUNCHED, VMCS_HOST_RSP, VMCS_VM_EXIT_REASON, EXIT_STOP,
                                ; VMX_FAIL_*: generated from the C (boot/asm_consts.c)

; LOAD_GUEST_GPRS: the guest's general registers from the vCPU at rdi
; (rdi last)
%macro LOAD_GUEST_GPRS 0
    mov rax, [rdi + GR_RAX]
    mov rcx, [rdi + GR_RCX]
    mov rdx, [rdi + GR_RDX]
    mov rbx, [rdi + GR_RBX]
    mov rbp, [rdi + GR_RBP]
    mov rsi, [rdi + GR_RSI]
    mov r8,  [rdi + GR_R8]
    mov r9,  [rdi + GR_R9]
    mov r10, [rdi + GR_R10]
    mov r11, [rdi + GR_R11]
    mov r12, [rdi + GR_R12]
    mov r13, [rdi + GR_R13]
    mov r14, [rdi + GR_R14]
    mov r15, [rdi + GR_R15]
    mov rdi, [rdi + GR_RDI]
%endmacro

; The light exits' half (below): the registers the C ABI lets a callee
; clobber, and RBX (CPUID writes it). From and to the vCPU at rdi; the
; load leaves rdi last.
%macro SAVE_GUEST_VOLATILE 0      ; (RDI: the stub pushed it)
    mov [rdi + GR_RAX], rax
    mov [rdi + GR_RCX], rcx
    mov [rdi + GR_RDX], rdx
    mov [rdi + GR_RBX], rbx
    mov [rdi + GR_RSI], rsi
    mov [rdi + GR_R8],  r8
    mov [rdi + GR_R9],  r9
    mov [rdi + GR_R10], r10
    mov [rdi + GR_R11], r11
%endmacro

%macro LOAD_GUEST_VOLATILE 0
    mov rax, [rdi + GR_RAX]
    mov rcx, [rdi + GR_RCX]
    mov rdx, [rdi + GR_RDX]
    mov rbx, [rdi + GR_RBX]
    mov rsi, [rdi + GR_RSI]
    mov r8,  [rdi + GR_R8]
    mov r9,  [rdi + GR_R9]
    mov r10, [rdi + GR_R10]
    mov r11, [rdi + GR_R11]
    mov rdi, [rdi + GR_RDI]
%endmacro

; The other half: what the C ABI keeps (RBP, R12-R15), into the vCPU at rdi.
%macro SAVE_GUEST_CALLEE 0
    mov [rdi + GR_RBP], rbp
    mov [rdi + GR_R12], r12
    mov [rdi + GR_R13], r13
    mov [rdi + GR_R14], r14
    mov [rdi + GR_R15], r15
%endmacro

; ------------------------------------------------------------------ mitigations
; Only vmx_run_mitigated's copy of the loop has these (vmx/spec_ctrl.h):
; a CPU that needs none runs the plain loop, not a compare more.

; FILL_RSB: overwrite the 32-entry return stack buffer with harmless
; targets, so that Keel's RETs after a VM exit use no prediction the
; guest left (Linux's __FILL_RETURN_BUFFER). Clobbers RSI (which the stub
; overwrites next), so that RAX is the guest's on every path.
%macro FILL_RSB 0
    mov esi, 16
%%loop:
    call %%call1
%%trap1:
    pause
    lfence
    jmp %%trap1
%%call1:
    call %%call2
%%trap2:
    pause
    lfence
    jmp %%trap2
%%call2:
    dec esi
    jnz %%loop
    add rsp, 32 * 8
%endmacro

; MITIGATE_ENTRY: before VMLAUNCH/VMRESUME, with the guest's registers
; loaded (no register is clobbered): the L1D flush or VERW, as decided.
%macro MITIGATE_ENTRY 0
    cmp byte [rel spec + SPEC_L1D_FLUSH], 0
    je %%verw
    push rax
    push rcx
    push rdx
    mov ecx, MSR_IA32_FLUSH_CMD
    mov eax, 1                  ; L1D_FLUSH
    xor edx, edx
    wrmsr
    pop rdx
    pop rcx
    pop rax
    jmp %%done
%%verw:
    cmp byte [rel spec + SPEC_VERW], 0
    je %%done
    verw [rel verw_selector]    ; MD_CLEAR: clears the CPU buffers
%%done:
%endmacro

; ADVANCE_RIP: RIP past the exiting instruction, for the fast paths, by
; the rule skip_instruction (vmx/exit.c) follows for the C ones: EIP wraps
; outside 64-bit mode (only a carry out of bit 31 can wrap it), and
; blocking by STI or MOV SS ends with the instruction. Every VMREAD and
; VMWRITE checked. Clobbers RBX, RDX, RSI; the rare cases out of line.
%macro ADVANCE_RIP 0
    mov esi, VMCS_VM_EXIT_INSTRUCTION_LEN
    vmread rsi, rsi
    jbe %%failed_rsi
    mov edx, VMCS_GUEST_RIP
    vmread rbx, rdx
    jbe %%failed_rdx
    add rbx, rsi
    cmp ebx, esi                ; below the length: a carry out of bit 31
    jb %%wrap
%%write:
    vmwrite rdx, rbx
    jbe %%failed_rdx
    mov edx, VMCS_GUEST_INTERRUPTIBILITY_INFO
    vmread rbx, rdx
    jbe %%failed_rdx
    test bl, BLOCKING_BY_STI_OR_MOV_SS
    jnz %%unblock
%%done:
[section .text.cold]
%%wrap:                         ; outside 64-bit mode EIP wraps at 4 GiB
    mov esi, VMCS_GUEST_CS_AR_BYTES
    vmread rsi, rsi
    jbe %%failed_rsi
    test esi, VMX_AR_L
    jnz %%write
    mov ebx, ebx
    jmp %%write
%%unblock:
    and ebx, ~BLOCKING_BY_STI_OR_MOV_SS
    vmwrite rdx, rbx
    jbe %%failed_rdx
    jmp %%done
%%failed_rdx:                   ; a panic naming the field
    mov rsi, rdx
%%failed_rsi:
    mov edi, esi
    call vmx_fast_path_failed
__SECT__
%endmacro

; COUNT_EXIT suffix, counter: a fast path's budget countdown (its turn
; goes the C way, .fast_budget) and its count, as vmx_handle_light's.
%macro COUNT_EXIT 2
    sub dword [rdi + VCPU_EXITS_TO_CHECK], 1
    jz .fast_budget%1
    add qword [rdi + %2], 1
%endmacro

; RESUME suffix, mitigated: VMRESUME with the guest's registers loaded (after the
; mitigations' VERW or L1D flush when the loop has them); a failed entry
; goes to .resume_failed of the loop that uses it.
%macro RESUME 2                 ; suffix, mitigated
  %if %2
    MITIGATE_ENTRY
  %endif
    vmresume
    jmp .resume_failed%1
%endmacro

; RUN_LOOP suffix, mitigated: vmx_run<suffix> and its exit stub
; vmx_exit_stub<suffix> (HOST_RIP of the VMCSs that run with it).
%macro RUN_LOOP 2
global vmx_run%1
global vmx_exit_stub%1

; enum vmx_result vmx_run(struct vcpu *vcpu [rdi]): VMX_SUCCEED when
; vmx_handle_exit said stop; VMX_FAIL_INVALID or VMX_FAIL_VALID when
; VMLAUNCH/VMRESUME failed.
vmx_run%1:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push rdi                    ; the vCPU, at [HOST_RSP] on every exit
    mov rax, VMCS_HOST_RSP
    vmwrite rax, rsp
    jna .failed%1               ; CF or ZF: VMfailInvalid / VMfailValid
.enter%1:
    mov rdi, [rsp]
.enter_vcpu%1:                  ; rdi: the vCPU
    cmp byte [rdi + VCPU_LAUNCHED], 0
    je .launch%1
    LOAD_GUEST_GPRS
  %if %2
    MITIGATE_ENTRY
  %endif
    vmresume
    jmp .failed%1
.launch%1:                      ; once: the exits after it find the flag set
    mov byte [rdi + VCPU_LAUNCHED], 1
    LOAD_GUEST_GPRS
  %if %2
    MITIGATE_ENTRY
  %endif
    vmlaunch
    mov rdi, [rsp]              ; MOV keeps the flags .failed reads
    mov byte [rdi + VCPU_LAUNCHED], 0
.failed%1:                      ; only reached when the entry did not happen
    mov eax, VMX_FAIL_VALID     ; ZF ...
    jnc .out%1
    mov eax, VMX_FAIL_INVALID   ; ... unless CF
.out%1:
    add rsp, 8
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; HOST_RIP: the CPU arrives here on every VM exit, RSP = HOST_RSP.
;
; The stub saves the guest registers C code may clobber (the C ABI keeps
; RBP and R12-R15 through any call), reads the exit reason and goes where
; its entry in the table of paths (.paths, below) says:
; - CPUID of a leaf the host answers, VMCALL HC_NOP, RDMSR of an MSR
;   whose answer never changes: a fast path here, in no C, which loads
;   back only what it changed.
; - I/O: decoded here, the device's handler called from here (.io).
; - A light exit (EXIT_LIGHT_REASONS, vmx/exit.h: I/O, RDMSR, the timer,
;   ...): its handler touches no guest register but those, so RBP and
;   R12-R15 stay the guest's in the CPU. Should a request wait or the
;   handler say stop, they are saved then, before anyone else can look.
; - Every other exit, and a reason above 63, saves all first.
vmx_exit_stub%1:
    push rdi                    ; the guest's RDI
    mov rdi, [rsp + 8]          ; the vCPU
    SAVE_GUEST_VOLATILE
    pop qword [rdi + GR_RDI]
  %if %2
    cmp byte [rel spec + SPEC_RSB_FILL], 0
    je .no_rsb%1
    FILL_RSB                    ; (RSI only)
.no_rsb%1:
  %endif
    mov esi, VMCS_VM_EXIT_REASON
    vmread rsi, rsi
    jbe .no_reason%1
    cmp rsi, 63
    ja .full%1                  ; a failed entry (bit 31), or a reason above 63
    jmp [.paths%1 + rsi * 8]    ; (Keel is linked below 2 GiB: an absolute disp32)
.light%1:
    call vmx_handle_light       ; (vcpu, reason) -> action
    mov rdi, [rsp]
    cmp dword [rdi + VCPU_REQUESTS], 0
    jne .light_more%1
    cmp eax, EXIT_STOP
    je .light_more%1
.light_resume%1:
    LOAD_GUEST_VOLATILE
    RESUME %1, %2
.resume_failed%1:               ; the guest does not run again: its registers in
    mov rdi, [rsp]              ; the vCPU may be the exit's. MOVs keep the flags
    SAVE_GUEST_CALLEE           ; .failed reads
    jmp vmx_run%1.failed%1
.light_more%1:                  ; a request or a stop
    cmp eax, EXIT_STOP
    je .light_save%1
    cmp dword [rdi + VCPU_REQUESTS], VCPU_REQ_TIMER
    jne .light_save%1
    call vcpu_rearm_timer       ; all that waits: the timer, armed again from the
    mov rdi, [rsp]              ; TSC while a deadline is (vmx/event.c); it looks
    jmp .light_resume%1         ; at no register
.light_save%1:                  ; anything else: all registers in the vCPU first
    SAVE_GUEST_CALLEE
    jmp .after%1
.no_reason%1:                   ; VMfail: a panic that says why
    call vmx_exit_reason_failed
.full%1:
    SAVE_GUEST_CALLEE
    call vmx_handle_exit        ; (vcpu, reason) -> action
    mov rdi, [rsp]
.after%1:
    cmp dword [rdi + VCPU_REQUESTS], 0
    jne .pre_entry%1            ; a request waits: the pre-entry step (vmx/event.c)
.decided%1:
    cmp eax, EXIT_STOP
    jne vmx_run%1.enter_vcpu%1
    xor eax, eax                ; VMX_SUCCEED
    jmp vmx_run%1.out%1
.pre_entry%1:
    mov esi, eax
    call vcpu_pre_entry         ; (vcpu, action) -> action
    mov rdi, [rsp]
    jmp .decided%1

; The fast paths: RDI is the vCPU, RSI the reason, the guest's RAX-R11
; are in the vCPU (RAX, RCX and R8-R11 still in their registers). Each counts the exit and the budget as vmx_handle_light
; does (the budget's turn goes the C way), and a request waiting
; afterwards sends it on as a light exit with everything it changed in the
; vCPU. Until a path has changed something, it may give way to the light
; way (.light: vmx_handle_light(vcpu, reason)), so RSI stays the reason
; until then.

; CPUID of a leaf below 32 that guest_cpuid_leaves (vmx/guest_cpu.c) leaves
; to the host: exit_cpuid's inline case.
.cpuid%1:
    cmp eax, 31                 ; EAX the leaf, ECX the sub-leaf
    ja .light%1                 ; the policy's: exit_cpuid
    bt [rel guest_cpuid_leaves], eax
    jc .light%1
    COUNT_EXIT %1, VCPU_EXITS_CPUID
    ADVANCE_RIP
    cpuid                       ; the host's answer, in the guest's registers
    cmp dword [rdi + VCPU_REQUESTS], 0
    jne .cpuid_more%1
    mov rsi, [rdi + GR_RSI]
    mov rdi, [rdi + GR_RDI]
    RESUME %1, %2
.cpuid_more%1:
    mov [rdi + GR_RAX], rax
    mov [rdi + GR_RCX], rcx
    mov [rdi + GR_RDX], rdx
    mov [rdi + GR_RBX], rbx
.fast_more%1:                   ; a fast path done, a request waiting, all it
    xor eax, eax                ; changed in the vCPU: EXIT_NEXT_INSTRUCTION,
    jmp .light_more%1           ; on as a light exit
.fast_budget%1:
    add dword [rdi + VCPU_EXITS_TO_CHECK], 1
    jmp .light%1

; VMCALL HC_NOP at CPL 0: exit_vmcall's first case (RAX is HC_NOP in full
; in every mode; another RAX, or CPL above 0 and its #UD, take the C way).
.vmcall%1:
    cmp rax, HC_NOP
    jne .light%1
    mov edx, VMCS_GUEST_SS_AR_BYTES
    vmread rdx, rdx
    jbe .light%1                ; (exit_vmcall's VMREAD says why)
    test edx, VMX_AR_DPL_MASK
    jnz .light%1
    COUNT_EXIT %1, VCPU_EXITS_VMCALL
    ADVANCE_RIP
    mov qword [rdi + GR_RAX], HC_OK
    cmp dword [rdi + VCPU_REQUESTS], 0
    jne .fast_more%1
    mov eax, HC_OK
    mov rbx, [rdi + GR_RBX]
    mov rdx, [rdi + GR_RDX]
    mov rsi, [rdi + GR_RSI]
    mov rdi, [rdi + GR_RDI]
    RESUME %1, %2

; RDMSR of the MSR whose answer exit_rdmsr kept (vcpu.rdmsr_kept: one
; that never changes, vmx/exit_msr.c); any other goes the C way. ECX is
; the MSR (RCX is still the guest's).
.rdmsr%1:
    mov eax, ecx
    bts rax, 32                 ; RDMSR_KEPT_VALID
    cmp rax, [rdi + VCPU_RDMSR_KEPT_KEY]
    jne .light%1
    COUNT_EXIT %1, VCPU_EXITS_MSR_READ
    ADVANCE_RIP
    mov eax, [rdi + VCPU_RDMSR_KEPT_VALUE]      ; EDX:EAX, bits 63:32 of
    mov edx, [rdi + VCPU_RDMSR_KEPT_VALUE + 4]  ; RAX and RDX cleared
    cmp dword [rdi + VCPU_REQUESTS], 0
    jne .rdmsr_more%1
    mov rbx, [rdi + GR_RBX]
    mov rsi, [rdi + GR_RSI]
    mov rdi, [rdi + GR_RDI]
    RESUME %1, %2
.rdmsr_more%1:
    mov [rdi + GR_RAX], rax
    mov [rdi + GR_RDX], rdx
    jmp .fast_more%1

; I/O: exit_io (vmx/exit_io.c) in assembly, which calls the device's
; handler from here: the port's range from the guest's port index, *val
; on the stack (the operand's bits of EAX; IN replaces them), IN's result
; merged into RAX. String I/O (the guest stops) and a failed VMREAD (a
; panic naming the field) go the C way. RBX keeps the qualification
; across the call (the guest's RBX is in the vCPU; the C ABI keeps RBX).
.io%1:
    mov edx, VMCS_EXIT_QUALIFICATION
    vmread rbx, rdx             ; (RSI keeps the reason for the C way)
    jbe .light%1                ; (exit_io's VMREAD says why)
    test ebx, IO_Q_STRING
    jnz .light%1
    COUNT_EXIT %1, VCPU_EXITS_IO
    mov esi, ebx                ; (the qualification is bits 31:0)
    shr esi, 16                 ; the port
    mov r9, [rdi + VCPU_GUEST]
    mov rdx, [r9 + GUEST_PIO_INDEX]
    movzx r10d, byte [rdx + rsi]
    shl r10d, PIO_RANGE_SHIFT   ; its range in pio[]
    mov edx, ebx
    and edx, 7                  ; the size less one
    and eax, [io_operand_mask + rdx * 4]    ; (bits 63:32 cleared)
    push rax                    ; *val
    inc edx                     ; the size
    bt ebx, 3                   ; IN? (IO_Q_IN) A bool in CL: the psABI defines
    setc cl                     ; bits 7:0 only, and GCC reads no more
    mov r8, rsp
    call [r9 + r10 + GUEST_PIO_IO]  ; (vcpu, port, size, in, &val) -> action
    pop rcx                     ; val
    mov rdi, [rsp]
    test bl, IO_Q_IN
    jz .io_done%1
    and ebx, 7                  ; IN: AL, or out of line AX or EAX
    jnz .io_in_wide%1
    mov [rdi + GR_RAX], cl
.io_done%1:
    test eax, eax               ; EXIT_NEXT_INSTRUCTION?
    jnz .light_more%1           ; (another: no RIP advance)
    ADVANCE_RIP
    cmp dword [rdi + VCPU_REQUESTS], 0
    jne .light_more%1           ; (EAX is still EXIT_NEXT_INSTRUCTION)
    LOAD_GUEST_VOLATILE
    RESUME %1, %2
.io_in_wide%1:
    cmp ebx, 1
    jne .io_in32%1
    mov [rdi + GR_RAX], cx
    jmp .io_done%1
.io_in32%1:
    cmp ebx, 3
    jne .io_done%1              ; (2 is not used; C's mask leaves RAX as it is)
    mov [rdi + GR_RAX], rcx     ; EAX, RAX's upper half cleared (the slot's is 0)
    jmp .io_done%1

; .paths: where each reason below 64 goes
[section .rodata]
align 8
.paths%1:
%assign r 0
%rep 64
  %if r == EXIT_REASON_CPUID
    dq .cpuid%1
  %elif r == EXIT_REASON_VMCALL
    dq .vmcall%1
  %elif r == EXIT_REASON_MSR_READ
    dq .rdmsr%1
  %elif r == EXIT_REASON_IO_INSTRUCTION
    dq .io%1
  %elif (EXIT_LIGHT_REASONS >> r) & 1
    dq .light%1
  %else
    dq .full%1
  %endif
  %assign r r + 1
%endrep
__SECT__
%endmacro

bits 64
section .text
extern vmx_handle_exit
extern vmx_handle_light
extern vmx_exit_reason_failed
extern vmx_fast_path_failed
extern guest_cpuid_leaves
extern io_operand_mask
extern vcpu_pre_entry
extern vcpu_rearm_timer
extern spec

RUN_LOOP , 0                    ; vmx_run, vmx_exit_stub: the plain loop
RUN_LOOP _mitigated, 1          ; vmx_run_mitigated, vmx_exit_stub_mitigated

section .rodata
verw_selector: dw 0x10          ; any writable data selector: Keel's data segment

section .note.GNU-stack noalloc noexec nowrite progbits
