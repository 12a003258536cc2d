; Keel's first instructions: from GRUB (32-bit protected mode, paging off)
; to 64-bit long mode, then kmain(mbi_phys).
;
; Machine state on entry (Multiboot2 spec, "I386 machine state"):
; EAX = 0x36d76289, EBX = physical address of the boot information,
; flat 32-bit segments, interrupts off, no usable stack.
;
; Any problem here is reported on COM1 in plain words and the CPU halts:
; there is no IDT yet, so a fault would be a triple fault.

%include "boot/early_uart.inc"

MB2_BOOTLOADER_MAGIC equ 0x36d76289

%include "asm_consts.inc"      ; CR0_*, CR4_PAE, EFER_*: from arch/x86/x86.h

PTE_P    equ 1 << 0
PTE_W    equ 1 << 1
PTE_PS   equ 1 << 7

BOOT_STACK_SIZE equ 16384

extern kmain
extern __bss_start
extern __bss_end
global _start
global boot_pml4
global boot_pd
global boot_stack_top
global boot_gdt_ptr
global boot_ebda_segment
global boot_bda_com
global boot_tsc

section .text.boot
bits 32
_start:
    cli
    cld
    mov esi, eax                ; loader magic
    mov ebp, ebx                ; boot information address
    rdtsc                       ; the hand-off's TSC (make bench: boot to guest)
    mov [boot_tsc], eax
    mov [boot_tsc + 4], edx

    ; GRUB zeroes .bss when it loads the ELF, but do not rely on a loader.
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    xor eax, eax
    mov edx, ecx
    shr ecx, 2                  ; dwords (a tick each in Bochs), then the rest
    rep stosd
    mov ecx, edx
    and ecx, 3
    rep stosb
    mov esp, boot_stack_top

    ; The BIOS data area word at 0x40e (the EBDA segment), read now because
    ; page 0 stays unmapped in long mode. Meaningless on UEFI machines,
    ; where nothing reads it.
    mov ax, [0x40e]
    mov [boot_ebda_segment], ax
    ; And its first four words, the COM ports the BIOS found (console
    ; discovery, drivers/serial_console.c).
    mov eax, [0x400]
    mov [boot_bda_com], eax
    mov eax, [0x404]
    mov [boot_bda_com + 4], eax

    cmp esi, MB2_BOOTLOADER_MAGIC
    jne .bad_magic

    ; CPUID exists if EFLAGS.ID (bit 21) can be toggled.
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 1 << 21
    push eax
    popfd
    pushfd
    pop eax
    push ecx
    popfd
    xor eax, ecx
    jz .no_cpuid

    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29           ; CPUID.80000001H:EDX.LM
    jz .no_long_mode
    mov [boot_nx], edx          ; bit 20: execute-disable available

    call build_page_tables

    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, boot_pml4
    mov cr3, eax
    mov ecx, EFER_MSR
    rdmsr
    or eax, EFER_LME
    test dword [boot_nx], 1 << 20
    jz .no_nx
    or eax, EFER_NXE
.no_nx:
    wrmsr
    ; Caches on: firmware may hand over with CR0.CD and NW set (Bochs'
    ; BIOS does), and nothing later would clear them.
    mov eax, cr0
    and eax, ~(CR0_CD | CR0_NW)
    or eax, CR0_PE | CR0_PG | CR0_WP
    mov cr0, eax
    wbinvd

    lgdt [boot_gdt_ptr]
    jmp 0x08:long_mode_entry

.bad_magic:
    EARLY_UART_INIT
    mov ebx, msg_bad_magic
    call early_puts
    mov eax, esi
    call early_puthex
    mov ebx, msg_bad_magic2
    call early_puts
    jmp early_halt
.no_cpuid:
    EARLY_UART_INIT
    mov ebx, msg_no_cpuid
    call early_puts
    jmp early_halt
.no_long_mode:
    EARLY_UART_INIT
    mov ebx, msg_no_long_mode
    call early_puts
    jmp early_halt

; Identity-map 0..4 GiB: 2 MiB pages, except the first 2 MiB which use
; 4 KiB pages so that page 0 stays unmapped and a NULL access faults.
build_page_tables:
    mov eax, boot_pdpt
    or eax, PTE_P | PTE_W
    mov [boot_pml4], eax

    xor ecx, ecx                ; PDPT[0..3] -> boot_pd[0..3]
.pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, boot_pd
    or eax, PTE_P | PTE_W
    mov [boot_pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jb .pdpt

    xor ecx, ecx                ; 2048 PDEs of 2 MiB each
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_P | PTE_W | PTE_PS
    mov [boot_pd + ecx * 8], eax
    inc ecx
    cmp ecx, 2048
    jb .pd

    mov eax, boot_pt0           ; first 2 MiB through a page table
    or eax, PTE_P | PTE_W
    mov [boot_pd], eax
    mov ecx, 1                  ; PTE 0 stays zero: page 0 not present
.pt:
    mov eax, ecx
    shl eax, 12
    or eax, PTE_P | PTE_W
    mov [boot_pt0 + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .pt
    ret

EARLY_UART_CODE

bits 64
long_mode_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    mov edi, ebp                ; kmain(mbi_phys), kept in EBP since _start
    xor ebp, ebp                ; end of the frame-pointer chain
    call kmain
.hang:
    cli
    hlt
    jmp .hang

section .rodata
msg_bad_magic:
    db "keel: not started by a Multiboot2 loader (EAX=0x", 0
msg_bad_magic2:
    db ", expected 0x36d76289).", 13, 10
    db "keel: load keel.elf with GRUB's 'multiboot2' command, not 'multiboot'. Halting.", 13, 10, 0
msg_no_cpuid:
    db "keel: this CPU has no CPUID instruction; Keel needs an x86-64 CPU. Halting.", 13, 10, 0
msg_no_long_mode:
    db "keel: this CPU has no long mode (CPUID 80000001h:EDX.LM = 0);", 13, 10
    db "keel: Keel needs a 64-bit x86 CPU. Halting.", 13, 10, 0

align 8
boot_gdt:
    dq 0
    dq 0x00af9b000000ffff       ; 0x08: 64-bit code, DPL 0, accessed
    dq 0x00cf93000000ffff       ; 0x10: data, DPL 0, accessed
boot_gdt_end:
boot_gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dq boot_gdt

section .data
align 8
boot_tsc:   dq 0                ; not .bss: that is cleared after the RDTSC

section .bss
align 4096
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pd:    resb 4 * 4096
boot_pt0:   resb 4096
align 16
boot_stack: resb BOOT_STACK_SIZE
boot_stack_top:
boot_nx:    resd 1
boot_ebda_segment: resw 1
boot_bda_com: resw 4

section .note.GNU-stack noalloc noexec nowrite progbits
