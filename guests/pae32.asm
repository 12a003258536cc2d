; pae32: a 32-bit guest that turns on PAE paging itself. Its MOV to CR0
; also sets CR0.NE, a bit Keel owns, so Keel emulates the write and must
; load the four PDPTEs from the guest's RAM the way the CPU would; with
; stale ones the next access would fault (no IDT: a triple fault).
; module: name=pae32 mode=prot32
%include "guests/lib/guest.inc"

bits 32
org 0x8000

PDPT equ 0x10000                ; 32-byte aligned
PD   equ 0x11000

start:
    UART_PUTS "turning on PAE paging"
    mov dword [PDPT], PD | 1    ; PDPTE 0 -> PD, present
    mov dword [PDPT + 4], 0
    mov dword [PD], 0x83        ; 2 MiB page at 0: present, writable, PS
    mov dword [PD + 4], 0
    mov dword [0x100000], 0xc0ffee
    mov eax, PDPT
    mov cr3, eax
    mov eax, cr4
    or eax, 1 << 5              ; PAE
    mov cr4, eax
    mov eax, cr0
    or eax, (1 << 31) | (1 << 5)    ; PG, and NE: an exit Keel emulates
    mov cr0, eax
    mov eax, cr0
    test eax, 1 << 31
    CHECK nz, "CR0.PG is 1: PAE paging on"
    cmp dword [0x100000], 0xc0ffee
    CHECK e, "memory reads through the PAE page tables"
    EXIT 0
