; mb1-aout: a Multiboot v1 kernel that is not ELF: a flat binary placed by
; its header's address fields (flags bit 16, "the a.out kludge"): loaded
; at 1 MiB, its bss (64 KiB, beyond the file) zeroed by the loader. It
; checks the magic, that the bss is all zero and that the boot
; information and the modules lie clear of it, shows its command line,
; and ends through isa-debug-exit with the number of failed checks (0:
; QEMU's status 1).
; format: bin
%include "guests/multiboot/lib.inc"

MB1_MAGIC       equ 0x1badb002
MB1_BOOT_MAGIC  equ 0x2badb002
MB1_FLAGS       equ 0x00010003  ; address fields; page-aligned modules, memory information
LOAD_ADDR       equ 0x100000
BSS_SIZE        equ 0x10000

INFO_FLAGS      equ 0
INFO_CMDLINE    equ 16
INFO_MODS_COUNT equ 20
INFO_MODS_ADDR  equ 24
F_CMDLINE       equ 1 << 2
F_MODS          equ 1 << 3

bits 32
org LOAD_ADDR
section .text
kernel_start:
    jmp start

align 4
header:
    dd MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)
    dd header                   ; header_addr
    dd kernel_start             ; load_addr: the file's first byte
    dd load_end                 ; load_end_addr: its last, plus one
    dd kernel_end               ; bss_end_addr
    dd start                    ; entry_addr

start:
    mov esp, stack_top
    mov [boot_magic], eax
    mov [boot_info], ebx
    lgdt [gdtr]
    jmp CODE32:.reload
.reload:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    COM1_INIT
    PRINTLN "mb1-aout: a Multiboot v1 kernel placed by its address fields"
    cmp dword [boot_magic], MB1_BOOT_MAGIC
    CHECK e, "EAX is 0x2BADB002 (Multiboot v1)"
    jne .done

    ; The bss, below the stack (which is in use by now): all zero?
    mov edi, bss_start
    mov ecx, (stack_bottom - bss_start) / 4
    xor eax, eax
    repe scasd
    CHECK e, "the bss (beyond the file's end) is all zero"
    mov eax, [bss_variable]
    test eax, eax
    CHECK z, "a variable in the bss reads 0"
    mov dword [bss_variable], 0x600df00d
    cmp dword [bss_variable], 0x600df00d
    CHECK e, "the bss is writable RAM"

    mov ebx, [boot_info]
    mov eax, ebx                ; the information clear of the kernel?
    cmp eax, kernel_end
    jae .info_clear
    cmp eax, kernel_start
    jb .info_clear
    FAIL "the boot information lies clear of the kernel and its bss"
    jmp .info_done
.info_clear:
    PASS "the boot information lies clear of the kernel and its bss"
.info_done:

    PRINT "command line: "
    test dword [ebx + INFO_FLAGS], F_CMDLINE
    jz .no_cmdline
    PUTS [ebx + INFO_CMDLINE]
    jmp .cmdline_done
.no_cmdline:
    PRINT "(none)"
.cmdline_done:
    PRINTLN ""

    xor ecx, ecx
    test dword [ebx + INFO_FLAGS], F_MODS
    jz .mods_counted
    mov ecx, [ebx + INFO_MODS_COUNT]
.mods_counted:
    PRINT "modules: "
    PUT_DEC ecx
    PRINTLN ""
    mov esi, [ebx + INFO_MODS_ADDR]
    xor edx, edx                ; 1: one overlaps the kernel
.module:
    test ecx, ecx
    jz .modules_done
    mov eax, [esi]              ; [start, end) clear of [kernel_start, kernel_end)?
    cmp eax, kernel_end
    jae .module_clear
    mov eax, [esi + 4]
    cmp eax, kernel_start
    jbe .module_clear
    mov edx, 1
.module_clear:
    add esi, 16
    dec ecx
    jmp .module
.modules_done:
    test edx, edx
    CHECK z, "modules lie clear of the kernel and its bss"
.done:
    DONE

    MB_LIB

section .data
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: 32-bit code
    dq 0x00cf92000000ffff       ; 0x10: data
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
CODE32 equ 0x08
DATA   equ 0x10
boot_magic: dd 0
boot_info:  dd 0
load_end:                       ; the file ends here

section .bss
alignb 16
bss_start:
bss_variable:
        resd 1
        resb BSS_SIZE - 4 - 4096
stack_bottom:
        resb 4096
stack_top:
kernel_end:
