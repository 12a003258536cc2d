; mb1-elf32: a Multiboot v1 kernel in an ELF32 file, as QEMU's -kernel
; boots one. It checks the loader's magic and boot information (command
; line, modules, memory sizes, memory map), then takes itself to 64-bit
; long mode on its own page tables and prints from there. Ends through
; isa-debug-exit with the number of failed checks (0: QEMU's status 1).
; format: elf32
%include "guests/multiboot/lib.inc"
%include "guests/multiboot/info.inc"

MB1_MAGIC       equ 0x1badb002  ; in the header
MB1_BOOT_MAGIC  equ 0x2badb002  ; in EAX at entry
MB1_FLAGS       equ 0x3         ; page-aligned modules, memory information

; The information structure ("Boot information format")
INFO_FLAGS      equ 0
INFO_MEM_LOWER  equ 4
INFO_MEM_UPPER  equ 8
INFO_CMDLINE    equ 16
INFO_MODS_COUNT equ 20
INFO_MODS_ADDR  equ 24
INFO_MMAP_LEN   equ 44
INFO_MMAP_ADDR  equ 48
INFO_LOADER     equ 64
F_MEM           equ 1 << 0
F_CMDLINE       equ 1 << 2
F_MODS          equ 1 << 3
F_MMAP          equ 1 << 6
F_LOADER        equ 1 << 9

MODULES_SHOWN   equ 8           ; at most this many modules are listed
MMAP_SHOWN      equ 32          ; and memory map entries

extern kernel_start, kernel_end

section .multiboot
align 4
    dd MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)

section .text
bits 32
global start
start:
    mov esp, stack_top
    mov [boot_magic], eax
    mov [boot_info], ebx
    lgdt [gdtr]                 ; the loader's GDT may be gone ("Machine state")
    jmp CODE32:.reload
.reload:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    COM1_INIT
    PRINTLN "mb1-elf32: a Multiboot v1 ELF32 kernel"
    cmp dword [boot_magic], MB1_BOOT_MAGIC
    CHECK e, "EAX is 0x2BADB002 (Multiboot v1)"
    je .magic_ok
    PRINT "EAX was 0x"
    PUT_HEX [boot_magic], 8
    PRINTLN ""
    DONE
.magic_ok:
    mov ebx, [boot_info]
    PRINT "boot information flags 0x"
    PUT_HEX [ebx + INFO_FLAGS], 8
    PRINTLN ""

    ; ------------------------------------------------ command line, loader
    PRINT "command line: "
    test dword [ebx + INFO_FLAGS], F_CMDLINE
    jz .no_cmdline
    PUTS [ebx + INFO_CMDLINE]
    jmp .cmdline_done
.no_cmdline:
    PRINT "(none)"
.cmdline_done:
    PRINTLN ""
    test dword [ebx + INFO_FLAGS], F_LOADER
    jz .loader_done
    PRINT "boot loader: "
    PUTS [ebx + INFO_LOADER]
    PRINTLN ""
.loader_done:

    ; ------------------------------------------------ modules
    xor ecx, ecx
    test dword [ebx + INFO_FLAGS], F_MODS
    jz .mods_counted
    mov ecx, [ebx + INFO_MODS_COUNT]
.mods_counted:
    PRINT "modules: "
    PUT_DEC ecx
    PRINTLN ""
    test ecx, ecx
    jz .modules_done
    mov esi, [ebx + INFO_MODS_ADDR]
    xor edi, edi
.module:                        ; start, end, string, reserved
    SHOW_MODULE edi, [esi], [esi + 4], [esi + 8]
    add esi, 16
    inc edi
    cmp edi, ecx
    jae .modules_checked
    cmp edi, MODULES_SHOWN
    jb .module
.modules_checked:
    MODULE_CHECKS 1
.modules_done:

    ; ------------------------------------------------ memory
    test dword [ebx + INFO_FLAGS], F_MEM
    CHECK nz, "mem_lower and mem_upper are given (flags bit 0)"
    MEM_CHECKS [ebx + INFO_MEM_LOWER], [ebx + INFO_MEM_UPPER]

    test dword [ebx + INFO_FLAGS], F_MMAP
    CHECK nz, "memory map is given (flags bit 6)"
    jz .mmap_done
    mov esi, [ebx + INFO_MMAP_ADDR]
    mov edx, esi
    add edx, [ebx + INFO_MMAP_LEN]
    xor edi, edi
    xor ebp, ebp                ; 1: an entry under 20 bytes
.mmap_entry:                    ; size (of the rest), base, length, type
    cmp esi, edx
    jae .mmap_end
    cmp edi, MMAP_SHOWN
    jae .mmap_end
    cmp dword [esi], 20
    jae .mmap_size_ok
    inc ebp
    jmp .mmap_end               ; cannot walk on
.mmap_size_ok:
    lea eax, [esi + 4]
    SHOW_MMAP_ENTRY eax, [ebx + INFO_MEM_UPPER]
    mov eax, [esi]
    lea esi, [esi + eax + 4]
    inc edi
    jmp .mmap_entry
.mmap_end:
    test ebp, ebp
    CHECK z, "memory map entries are 20 bytes or more"
    MMAP_CHECKS
.mmap_done:

    ; ------------------------------------------------ to long mode
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
.no_long_mode:
    CHECK nz, "CPUID says the CPU has long mode"
    jz .done32
    mov dword [pml4], pdpt + 3
    mov dword [pdpt], pd + 3
    xor ecx, ecx                ; 512 x 2 MiB: the first GiB, identity
.pde:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83                ; present, writable, 2 MiB
    mov [pd + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .pde
    mov eax, pml4
    mov cr3, eax
    mov eax, cr4
    or eax, 1 << 5              ; PAE
    mov cr4, eax
    mov ecx, 0xc0000080         ; IA32_EFER
    rdmsr
    or eax, 1 << 8              ; LME
    wrmsr
    mov eax, cr0
    or eax, 1 << 31             ; PG: long mode becomes active
    mov cr0, eax
    jmp CODE64:long_mode
.done32:
    DONE

    MB_LIB
    MB_INFO_LIB

bits 64
long_mode:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, stack_top         ; (zero-extended into rsp)
    PRINTLN "hello from 64-bit long mode, on the kernel's own page tables"
    mov ecx, 0xc0000080
    rdmsr
    test eax, 1 << 10
    CHECK nz, "EFER.LMA is 1"
    mov rax, 1 << 40
    add rax, rax
    shr rax, 41
    cmp rax, 1
    CHECK e, "64-bit arithmetic holds 64 bits"
    DONE

    MB_LIB

section .data
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: 32-bit code
    dq 0x00cf92000000ffff       ; 0x10: data
    dq 0x00af9a000000ffff       ; 0x18: 64-bit code
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
CODE32 equ 0x08
DATA   equ 0x10
CODE64 equ 0x18
boot_magic: dd 0
boot_info:  dd 0

section .bss
alignb 4096
pml4:   resb 4096
pdpt:   resb 4096
pd:     resb 4096
        resb 16384
stack_top:
