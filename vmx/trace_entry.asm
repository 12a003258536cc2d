; The traced exit stub (vmx/trace.h): HOST_RIP of a vCPU while the
; monitor's `trace` is on for it. It writes one entry of this CPU's ring
; (reason, qualification, guest RIP, TSC, which vCPU) and jumps on to the
; exit stub the VMCS had (vcpu.trace.next: the plain or the mitigated
; loop's), with every guest register as the guest left it and RSP back
; at HOST_RSP, [RSP] the vCPU: what that stub expects (vmx/entry.asm).
; When tracing is off no VMCS points here: the exit path has not an
; instruction more.
;
; The ring is this CPU's alone: no lock. The count (percpu.trace_head) is
; bumped after the entry is written, so the monitor, reading on another
; CPU, knows which slot may be changing (trace_cpu_copy).

%include "asm_consts.inc"      ; PERCPU_TRACE_*, TE_*, VCPU_TRACE_*, TRACE_*, VMCS_*:
                                ; generated from the C (boot/asm_consts.c)

bits 64
section .text
global vmx_trace_stub

vmx_trace_stub:
    push rax
    push rcx
    push rdx
    rdtsc                               ; first: the nearest to the exit
    shl rdx, 32
    or rdx, rax                         ; rdx: the TSC
    mov rcx, [gs:PERCPU_TRACE_HEAD]
    and ecx, TRACE_ENTRIES - 1
    shl ecx, TRACE_ENTRY_SHIFT
    add rcx, [gs:PERCPU_TRACE_RING]     ; rcx: this exit's slot
    mov [rcx + TE_TSC], rdx
    mov rax, [rsp + 24]                 ; the vCPU, at HOST_RSP
    mov rdx, [rax + VCPU_TRACE_NEXT]
    mov [gs:PERCPU_TRACE_NEXT], rdx     ; the stub to go on to
    mov eax, [rax + VCPU_TRACE_WHO]     ; eax: guest, vCPU (flags 0)
    ; VMREAD to memory, checked as everywhere (CF or ZF: failed); a
    ; failure is marked in the entry, not fatal: the exit still goes on.
    mov edx, VMCS_VM_EXIT_REASON
    vmread [rcx + TE_REASON], rdx       ; 8 bytes: the reason, zeroes over TE_WHO
    jna .bad
    mov edx, VMCS_EXIT_QUALIFICATION
    vmread [rcx + TE_QUAL], rdx
    jna .bad
    mov edx, VMCS_GUEST_RIP
    vmread [rcx + TE_RIP], rdx
    jna .bad
.who:
    mov [rcx + TE_WHO], eax
    inc qword [gs:PERCPU_TRACE_HEAD]    ; the entry is whole: count it
    pop rdx
    pop rcx
    pop rax
    jmp [gs:PERCPU_TRACE_NEXT]          ; no register left to hold it: via GS
.bad:
    or eax, TRACE_BAD_READ << 24
    jmp .who

section .note.GNU-stack noalloc noexec nowrite progbits
