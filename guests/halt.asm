; halt: CLI; HLT. Nothing can wake it (Keel gives guests no interrupt
; source yet), so Keel stops it and says so.
; module: name=halt mode=real16
%include "guests/lib/guest.inc"

bits 16
org 0x8000

start:
    UART_PUTS "halting with interrupts off"
    cli
    hlt
    FAIL("HLT returned")
    EXIT 1
