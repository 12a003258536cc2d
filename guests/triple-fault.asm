; triple-fault: a 64-bit guest with no IDT executes UD2. #UD cannot be
; delivered, nor the #DF after it: the CPU shuts down, and Keel must stop
; just this guest, naming the triple fault and the last RIP.
; module: name=triple-fault mode=long64
%include "guests/lib/guest.inc"

bits 64
org 0x8000

start:
    UART_PUTS "executing UD2 with no IDT"
    lidt [null_idtr]
    ud2
    FAIL("UD2 returned")
    EXIT 1
null_idtr:
    dw 0
    dq 0
