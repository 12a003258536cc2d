; Multiboot2 header (Multiboot2 specification, "Header format").
; GRUB's `multiboot2` command finds it in the first 32 KiB of keel.elf,
; loads the ELF segments and jumps to _start in 32-bit protected mode.
;
; A Multiboot (version 1) header too, only so that a grub.cfg that says
; `multiboot` instead of `multiboot2` reaches _start, which then explains
; the mistake on COM1 instead of GRUB saying "no multiboot header found".

MB2_HEADER_MAGIC   equ 0xe85250d6
MB2_ARCH_I386      equ 0
MB2_TAG_END        equ 0
MB2_TAG_INFO_REQ   equ 1
MB2_TAG_OPTIONAL   equ 1

MB1_HEADER_MAGIC   equ 0x1badb002
MB1_FLAGS          equ 0        ; ELF: the loader reads the program headers

section .multiboot
align 8
mb2_header:
    dd MB2_HEADER_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

    ; Information request: ask for what boot_info needs. Marked optional so
    ; a loader that lacks one of them still boots us; kmain checks.
    align 8
.info_req:
    dw MB2_TAG_INFO_REQ, MB2_TAG_OPTIONAL
    dd .info_req_end - .info_req
    dd 1        ; command line
    dd 2        ; boot loader name
    dd 3        ; modules
    dd 6        ; memory map
    dd 14       ; ACPI old RSDP
    dd 15       ; ACPI new RSDP
.info_req_end:

    align 8
    dw MB2_TAG_END, 0
    dd 8
mb2_header_end:

align 4
mb1_header:
    dd MB1_HEADER_MAGIC
    dd MB1_FLAGS
    dd -(MB1_HEADER_MAGIC + MB1_FLAGS)

section .note.GNU-stack noalloc noexec nowrite progbits
