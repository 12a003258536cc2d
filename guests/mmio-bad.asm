; mmio-bad: a string instruction on a device register (REP MOVSD into the
; test MMIO page). Keel's decoder does not emulate string forms: the guest
; is stopped, and the diagnostic shows the instruction's bytes.
; module: name=mmio-bad mode=prot32
%include "guests/lib/guest.inc"

bits 32
org 0x8000

start:
    UART_PUTS "copying into a device register with REP MOVSD"
    mov esi, 0x9000
    mov edi, 0xfeb00000
    mov ecx, 2
    cld
    rep movsd
    FAIL("REP MOVSD to MMIO went on")
    EXIT 1
