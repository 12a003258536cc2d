; mmio-stack: the stack in a device page (Keel's test MMIO register at
; 0xfeb00000), then INT 0x80: delivering the interrupt pushes EFLAGS, CS
; and EIP into the device page. That is the event delivery writing, not
; the instruction at RIP: Keel must not emulate INT against the device,
; it stops the guest and says the stack is in MMIO.
; module: name=mmio-stack mode=prot32
%include "guests/lib/guest.inc"

bits 32
org 0x8000

start:
    lgdt [gdtr]
    jmp 0x08:.cs
.cs:
    mov ax, 0x10
    mov ds, ax
    mov ss, ax
    mov eax, handler                    ; a 32-bit interrupt gate for 0x80
    mov [idt + 0x80 * 8], ax
    mov word [idt + 0x80 * 8 + 2], 0x08
    mov word [idt + 0x80 * 8 + 4], 0x8e00
    shr eax, 16
    mov [idt + 0x80 * 8 + 6], ax
    lidt [idtr]
    UART_PUTS "stack into the device page, then INT 0x80"
    mov esp, 0xfeb00100
    int 0x80
    mov esp, 0x7000
    FAIL("INT 0x80 with the stack in MMIO went on")
    EXIT 1

handler:
    iret

align 8
gdt:
    dq 0
    dq 0x00cf9b000000ffff       ; 0x08: 32-bit code
    dq 0x00cf93000000ffff       ; 0x10: data
gdtr:
    dw 3 * 8 - 1
    dd gdt
align 8
idt:
    times 256 * 8 db 0
idtr:
    dw 256 * 8 - 1
    dd idt
