; mb2-elf64: a Multiboot2 kernel in an ELF64 file whose entry is 32-bit
; code, as such kernels are (GRUB's multiboot2 starts them in 32-bit
; protected mode whatever the ELF class). Its header asks for the command
; line and the memory map; it checks the loader's magic, walks the
; information tags, shows the command line, the loader's name and the
; modules, and checks the basic memory information and the memory map.
; Ends through isa-debug-exit with the number of failed checks (0: QEMU's
; status 1).
; format: elf64
%include "guests/multiboot/lib.inc"
%include "guests/multiboot/info.inc"

MB2_MAGIC       equ 0xe85250d6  ; in the header
MB2_BOOT_MAGIC  equ 0x36d76289  ; in EAX at entry
MB2_ARCH_I386   equ 0           ; 32-bit protected mode, for ELF64 too

; Information tags ("Boot information format")
TAG_END         equ 0
TAG_CMDLINE     equ 1
TAG_LOADER_NAME equ 2
TAG_MODULE      equ 3
TAG_MEMINFO     equ 4
TAG_MMAP        equ 6
SEEN_CMDLINE    equ 1 << 0
SEEN_MEMINFO    equ 1 << 1
SEEN_MMAP       equ 1 << 2
SEEN_END        equ 1 << 3
SEEN_BAD_MMAP   equ 1 << 4      ; an entry size under 24 or version not 0
TAGS_MAX        equ 64          ; walked at most
MMAP_SHOWN      equ 32

extern kernel_start, kernel_end

section .multiboot align=8
header:
    dd MB2_MAGIC, MB2_ARCH_I386, header_end - header
    dd 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (header_end - header))
    align 8, db 0
    dw 1, 0                     ; information request, required:
    dd 16
    dd TAG_CMDLINE, TAG_MMAP    ; the command line and the memory map
    align 8, db 0
    dw 0, 0                     ; end
    dd 8
header_end:

section .text
bits 32
global start
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
    PRINTLN "mb2-elf64: a Multiboot2 kernel in an ELF64 file"
    cmp dword [boot_magic], MB2_BOOT_MAGIC
    CHECK e, "EAX is 0x36D76289 (Multiboot2)"
    je .magic_ok
    PRINT "EAX was 0x"
    PUT_HEX [boot_magic], 8
    PRINTLN ""
    DONE
.magic_ok:
    mov ebx, [boot_info]
    test ebx, 7
    CHECK z, "the boot information is 8-aligned"
    PRINT "boot information: "
    PUT_DEC [ebx]
    PRINTLN " bytes"

    mov eax, TAG_MEMINFO        ; mem_upper first: the memory map may come before it
    call find_tag
    test esi, esi
    jz .walk
    mov eax, [esi + 12]
    mov [mem_upper], eax
.walk:
    lea esi, [ebx + 8]          ; the first tag
    mov edx, [ebx]
    add edx, ebx                ; the end
    xor ebp, ebp                ; SEEN_*
    xor edi, edi                ; modules
    xor ecx, ecx                ; tags walked
.tag:
    lea eax, [esi + 8]
    cmp eax, edx
    ja .tags_done               ; no room for another tag
    cmp ecx, TAGS_MAX
    jae .tags_done
    inc ecx
    mov eax, [esi]
    cmp eax, TAG_END
    je .end_tag
    cmp eax, TAG_CMDLINE
    je .cmdline
    cmp eax, TAG_LOADER_NAME
    je .loader_name
    cmp eax, TAG_MODULE
    je .module
    cmp eax, TAG_MEMINFO
    je .meminfo
    cmp eax, TAG_MMAP
    je .mmap
    PRINT "tag "
    PUT_DEC eax
    PRINT ", "
    PUT_DEC [esi + 4]
    PRINTLN " bytes"
    jmp .next
.cmdline:
    or ebp, SEEN_CMDLINE
    lea eax, [esi + 8]
    PRINT "command line: "
    PUTS eax
    PRINTLN ""
    jmp .next
.loader_name:
    lea eax, [esi + 8]
    PRINT "boot loader: "
    PUTS eax
    PRINTLN ""
    jmp .next
.module:                        ; start, end, string
    lea eax, [esi + 16]
    SHOW_MODULE edi, [esi + 8], [esi + 12], eax
    inc edi
    jmp .next
.meminfo:
    or ebp, SEEN_MEMINFO
    MEM_CHECKS [esi + 8], [esi + 12]
    jmp .next
.mmap:
    or ebp, SEEN_MMAP
    cmp dword [esi + 8], 24     ; entry size
    jb .bad_mmap
    cmp dword [esi + 12], 0     ; entry version
    jne .bad_mmap
    push ecx
    push edx
    lea eax, [esi + 16]         ; the first entry
    mov edx, [esi + 4]
    add edx, esi                ; the tag's end
    xor ecx, ecx
.mmap_entry:
    lea ebx, [eax + 24]
    cmp ebx, edx
    ja .mmap_done
    cmp ecx, MMAP_SHOWN
    jae .mmap_done
    SHOW_MMAP_ENTRY eax, [mem_upper]
    add eax, [esi + 8]
    inc ecx
    jmp .mmap_entry
.mmap_done:
    pop edx
    pop ecx
    mov ebx, [boot_info]
    jmp .next
.bad_mmap:
    or ebp, SEEN_BAD_MMAP
    jmp .next
.end_tag:
    cmp dword [esi + 4], 8
    jne .tags_done
    or ebp, SEEN_END
    jmp .tags_done
.next:
    mov eax, [esi + 4]
    cmp eax, 8
    jb .tags_done               ; a broken size: stop
    add eax, 7
    and eax, ~7
    add esi, eax
    jmp .tag
.tags_done:
    test ebp, SEEN_END
    CHECK nz, "the tags end with an end tag (type 0, 8 bytes) within total_size"
    PRINT "modules: "
    PUT_DEC edi
    PRINTLN ""
    test edi, edi
    jz .no_modules
    MODULE_CHECKS 0
.no_modules:
    test ebp, SEEN_CMDLINE
    CHECK nz, "the command line tag is given (the header requires it)"
    test ebp, SEEN_MEMINFO
    CHECK nz, "the basic memory information tag is given"
    test ebp, SEEN_MMAP
    CHECK nz, "the memory map tag is given (the header requires it)"
    test ebp, SEEN_BAD_MMAP
    CHECK z, "memory map entries are 24 bytes or more, version 0"
    MMAP_CHECKS
    DONE

; eax: a tag type; returns esi = the first tag of that type, or 0
; (ebx: the boot information)
find_tag:
    push ecx
    push edx
    push edi
    mov edi, eax
    lea esi, [ebx + 8]
    mov edx, [ebx]
    add edx, ebx
    mov ecx, TAGS_MAX
.tag:
    lea eax, [esi + 8]
    cmp eax, edx
    ja .none
    cmp dword [esi + 4], 8
    jb .none
    cmp dword [esi], TAG_END
    je .none
    cmp [esi], edi
    je .found
    mov eax, [esi + 4]
    add eax, 7
    and eax, ~7
    add esi, eax
    loop .tag
.none:
    xor esi, esi
.found:
    pop edi
    pop edx
    pop ecx
    ret

    MB_LIB
    MB_INFO_LIB

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
mem_upper:  dd 0

section .bss
alignb 16
        resb 16384
stack_top:
