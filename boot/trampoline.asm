; AP startup code. smp.c copies trampoline_start..trampoline_end to a free
; page below 1 MiB, fills in the tramp_* fields (addresses there are linear
; addresses inside the copy), and sends INIT-SIPI-SIPI with that page.
; The AP starts in real mode at page:0 and goes to long mode with Keel's
; page tables, its own stack, then ap_entry(percpu).

%include "asm_consts.inc"      ; CR0_*, CR4_PAE, EFER_MSR: from arch/x86/x86.h

TR_CODE32 equ 0x08
TR_DATA   equ 0x10
TR_CODE64 equ 0x18

global trampoline_start, trampoline_end, tramp_pm32, tramp_lm64, tramp_gdt
global tramp_gdt_ptr, tramp_far32, tramp_far64
global tramp_cr3, tramp_efer, tramp_stack, tramp_percpu, tramp_entry

%define OFF(x) ((x) - trampoline_start)

section .rodata
align 16
bits 16
trampoline_start:
    cli
    cld
    mov ax, cs
    mov ds, ax
    movzx ebx, ax
    shl ebx, 4                  ; EBX = linear address of this page, kept to the end
    o32 lgdt [OFF(tramp_gdt_ptr)]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    o32 jmp far [OFF(tramp_far32)]

bits 32
tramp_pm32:
    mov ax, TR_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, [ebx + OFF(tramp_cr3)]
    mov cr3, eax
    mov ecx, EFER_MSR
    rdmsr
    or eax, [ebx + OFF(tramp_efer)]
    wrmsr
    mov eax, cr0                ; an AP leaves reset with CD and NW set:
    and eax, ~(CR0_CD | CR0_NW) ; caches on, as on the BSP
    or eax, CR0_PG | CR0_WP
    mov cr0, eax
    jmp far [ebx + OFF(tramp_far64)]

bits 64
tramp_lm64:
    mov ax, TR_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [rbx + OFF(tramp_stack)]
    mov rdi, [rbx + OFF(tramp_percpu)]
    xor ebp, ebp
    call [rbx + OFF(tramp_entry)]
.hang:                          ; ap_entry does not return
    cli
    hlt
    jmp .hang

align 8
tramp_gdt:
    dq 0
    dq 0x00cf9b000000ffff       ; 0x08: 32-bit code, accessed
    dq 0x00cf93000000ffff       ; 0x10: data, accessed
    dq 0x00af9b000000ffff       ; 0x18: 64-bit code, accessed
tramp_gdt_ptr:
    dw 4 * 8 - 1
    dd 0                        ; linear address of tramp_gdt in the copy
align 8
tramp_far32:
    dd 0                        ; linear address of tramp_pm32 in the copy
    dw TR_CODE32
align 8
tramp_far64:
    dd 0                        ; linear address of tramp_lm64 in the copy
    dw TR_CODE64
align 8
tramp_cr3:    dq 0              ; Keel's PML4, below 4 GiB
tramp_stack:  dq 0
tramp_percpu: dq 0
tramp_entry:  dq 0
tramp_efer:   dd 0              ; EFER bits to set: LME, and NXE as on the BSP
trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
