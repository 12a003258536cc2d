; /bin/rdtsc in the test initramfs (scripts/linux.sh): print "rdtsc N", N the
; time-stamp counter in decimal, and exit 0. /init runs it first, so a
; benchmark can count the ticks from the guest's first instruction to /init.
;
; A whole static ELF64 executable by hand, so no linker or libc is needed:
;   nasm -f bin -o rdtsc scripts/linux-rdtsc.asm
; One PT_LOAD segment maps the file (headers included) read-write-execute at
; 0x400000; the digit buffer lives past the end of the file (p_memsz > p_filesz,
; the kernel zero-fills it).

bits 64
org 0x400000

BUF_LEN   equ 32                      ; "rdtsc " + 20 digits + "\n" fits

SYS_write equ 1
SYS_exit  equ 60

elf_header:
  db 0x7f, "ELF", 2, 1, 1, 0          ; ELFCLASS64, little-endian, version 1, SysV
  times 8 db 0
  dw 2                                ; e_type: ET_EXEC
  dw 0x3e                             ; e_machine: EM_X86_64
  dd 1                                ; e_version
  dq _start                           ; e_entry
  dq program_header - $$              ; e_phoff
  dq 0                                ; e_shoff: no section headers
  dd 0                                ; e_flags
  dw program_header - $$              ; e_ehsize (64)
  dw 56                               ; e_phentsize
  dw 1                                ; e_phnum
  dw 0, 0, 0                          ; e_shentsize, e_shnum, e_shstrndx

program_header:
  dd 1                                ; p_type: PT_LOAD
  dd 7                                ; p_flags: R W X
  dq 0                                ; p_offset
  dq $$                               ; p_vaddr
  dq $$                               ; p_paddr
  dq file_end - $$                    ; p_filesz
  dq bss_end - $$                     ; p_memsz
  dq 0x1000                           ; p_align

prefix: db "rdtsc "
PREFIX_LEN equ $ - prefix

_start:
  rdtsc                               ; EDX:EAX = TSC
  shl rdx, 32
  or rax, rdx                         ; RAX = the 64-bit count

  ; Digits from the end of the buffer backwards: "\n" last, then N.
  lea rdi, [buf + BUF_LEN - 1]
  mov byte [rdi], 10
  mov rcx, 10
.digit:
  xor edx, edx
  div rcx                             ; RAX = RAX / 10, RDX = last digit
  add dl, '0'
  dec rdi
  mov [rdi], dl
  test rax, rax
  jnz .digit

  ; Put "rdtsc " in front of the digits.
  lea rsi, [prefix]
  sub rdi, PREFIX_LEN
  mov ecx, PREFIX_LEN
  push rdi
  rep movsb
  pop rsi                             ; start of the line

  mov eax, SYS_write
  mov edi, 1                          ; stdout
  lea rdx, [buf + BUF_LEN]
  sub rdx, rsi                        ; length
  syscall

  mov eax, SYS_exit
  xor edi, edi
  syscall

file_end:

absolute file_end
buf: resb BUF_LEN
bss_end:
