; ept-outside: reads guest-physical 1 GiB, far outside its 2 MiB of RAM.
; Keel must stop it with an EPT violation naming the address; it must
; never see the host memory there.
; module: name=ept-outside mode=prot32
%include "guests/lib/guest.inc"

bits 32
org 0x8000

start:
    UART_PUTS "reading guest-physical 0x40000000"
    mov eax, [0x40000000]
    FAIL("the read outside RAM returned")
    EXIT 1
