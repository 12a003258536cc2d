; acpi-off: the ACPI PM block Keel's FADT gives guests (ports 0x600-0x60b):
; the PM timer counts (two reads 1000 loop turns apart differ, and
; PM1_CNT says SCI_EN), then SLP_TYP S5 with SLP_EN in PM1_CNT powers the
; guest off: it exits with status 0.
; module: name=acpi-off mode=prot32 mem=1
%include "guests/lib/guest.inc"

PM1_CNT equ 0x604
PM_TMR  equ 0x608

bits 32
org 0x8000
start:
    mov dx, PM_TMR
    in eax, dx
    mov ebx, eax
    mov ecx, 1000
.wait:
    dec ecx
    jnz .wait
    in eax, dx
    cmp eax, ebx
    CHECK ne, "the ACPI PM timer counts"
    mov dx, PM1_CNT
    in ax, dx
    test ax, 1
    CHECK nz, "PM1_CNT reads SCI_EN (always in ACPI mode)"
    mov dx, PM1_CNT             ; (CHECK's report used EDX)
    mov ax, 0x2000 | 7 << 10    ; SLP_EN, SLP_TYP = 7 (\_S5)
    out dx, ax
    REPORT 1, "still running after the S5 write"
    EXIT 1
