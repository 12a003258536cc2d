; spin-sti: STI and a jump to itself. It never exits on its own and takes
; no interrupt (none is sent to it); with time=1 Keel must stop it when its
; budget runs out, whatever timer Keel has for that
; (tests/integration/bochs-no-preemption-timer.test).
; module: name=spin-sti mode=long64 time=1
%include "guests/lib/guest.inc"

bits 64
org 0x8000

start:
    UART_PUTS "spinning with interrupts on"
    sti
.forever:
    jmp .forever
