; VM entry and exit (SDM "VM Entries", "VM Exits"). The VMCS holds the
; guest's RSP, RIP and RFLAGS; the other general registers live in
; struct guest_regs inside struct vcpu (vmx/guest.h).
;
; The whole run loop is here, so that an exit costs no more than it must:
; host registers are saved and HOST_RSP written once per vmx_run; each
; exit saves the guest registers, calls vmx_handle_exit(vcpu), then the
; pre-entry step if a request waits (one compare when none does) and,
; unless they say stop, resumes the guest.

%include "asm_consts.inc"      ; GR_*, VCPU_LAUNCHED, VMCS_HOST_RSP, EXIT_STOP,
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

bits 64
section .text
global vmx_run
global vmx_exit_stub
extern vmx_handle_exit
extern vcpu_pre_entry

; enum vmx_result vmx_run(struct vcpu *vcpu [rdi]): VMX_SUCCEED when
; vmx_handle_exit said stop; VMX_FAIL_INVALID or VMX_FAIL_VALID when
; VMLAUNCH/VMRESUME failed.
vmx_run:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push rdi                    ; the vCPU, at [HOST_RSP] on every exit
    mov rax, VMCS_HOST_RSP
    vmwrite rax, rsp
    jna .failed                 ; CF or ZF: VMfailInvalid / VMfailValid
.enter:
    mov rdi, [rsp]
.enter_vcpu:                    ; rdi: the vCPU
    cmp byte [rdi + VCPU_LAUNCHED], 0
    je .launch
    LOAD_GUEST_GPRS
    vmresume
    jmp .failed
.launch:                        ; once: the exits after it find the flag set
    mov byte [rdi + VCPU_LAUNCHED], 1
    LOAD_GUEST_GPRS
    vmlaunch
    mov rdi, [rsp]              ; MOV keeps the flags .failed reads
    mov byte [rdi + VCPU_LAUNCHED], 0
.failed:                        ; only reached when the entry did not happen
    mov eax, VMX_FAIL_VALID     ; ZF ...
    jnc .out
    mov eax, VMX_FAIL_INVALID   ; ... unless CF
.out:
    add rsp, 8
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; HOST_RIP: the CPU arrives here on every VM exit, RSP = HOST_RSP.
vmx_exit_stub:
    push rdi                    ; the guest's RDI
    mov rdi, [rsp + 8]          ; the vCPU
    mov [rdi + GR_RAX], rax
    mov [rdi + GR_RCX], rcx
    mov [rdi + GR_RDX], rdx
    mov [rdi + GR_RBX], rbx
    mov [rdi + GR_RBP], rbp
    mov [rdi + GR_RSI], rsi
    mov [rdi + GR_R8],  r8
    mov [rdi + GR_R9],  r9
    mov [rdi + GR_R10], r10
    mov [rdi + GR_R11], r11
    mov [rdi + GR_R12], r12
    mov [rdi + GR_R13], r13
    mov [rdi + GR_R14], r14
    mov [rdi + GR_R15], r15
    pop qword [rdi + GR_RDI]
    call vmx_handle_exit        ; RSP is 16-byte aligned here
    mov rdi, [rsp]
    cmp dword [rdi + VCPU_REQUESTS], 0
    jne .pre_entry              ; a request waits: the pre-entry step (vmx/event.c)
.decided:
    cmp eax, EXIT_STOP
    jne vmx_run.enter_vcpu
    xor eax, eax                ; VMX_SUCCEED
    jmp vmx_run.out
.pre_entry:
    mov esi, eax
    call vcpu_pre_entry         ; (vcpu, action) -> action
    mov rdi, [rsp]
    jmp .decided

section .note.GNU-stack noalloc noexec nowrite progbits
