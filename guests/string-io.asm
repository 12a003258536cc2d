; string-io: OUTSB to the console port. Keel does not emulate string I/O
; (INS/OUTS) yet; it must stop this guest and say so, not guess.
; module: name=string-io mode=prot32
%include "guests/lib/guest.inc"

bits 32
org 0x8000

start:
    mov esi, text
    mov dx, GUEST_COM1
    outsb
    FAIL("OUTSB returned")
    EXIT 1
text: db "x"
