; Interrupt and exception entry: one stub per vector pushes the vector
; number (and a zero where the CPU pushes no error code), then the common
; path saves the general registers as a struct trap_frame (arch/x86/trap.h)
; and calls trap_dispatch(frame).

bits 64
extern trap_dispatch
global isr_stub_table

; Vectors whose exceptions push an error code (SDM, "Exception and
; Interrupt Reference"); must agree with arch/x86/vectors.def.
%macro HAS_ERROR_CODE 1
    %assign has_err 0
    %if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
        %assign has_err 1
    %endif
%endmacro

section .text
%assign v 0
%rep 256
isr_stub_%+v:
    HAS_ERROR_CODE v
    %if has_err == 0
    push 0
    %endif
    push v
    jmp isr_common
%assign v v + 1
%endrep

isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld
    mov rdi, rsp
    call trap_dispatch
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                 ; vector and error code
    iretq

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
    dq isr_stub_%+v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
