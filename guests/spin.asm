; spin: CLI and a jump to itself. It never exits on its own; Keel must stop
; it when its time budget (time=1) runs out, and run the guests after it.
; First it leaves values in state VM exits do not switch (LSTAR, CR2),
; which the next guest on this CPU must not see (real16 checks).
; module: name=spin mode=long64 time=1
%include "guests/lib/guest.inc"

bits 64
org 0x8000

start:
    UART_PUTS "spinning with interrupts off"
    mov ecx, 0xc0000082         ; LSTAR: the guest's own, directly
    mov eax, 0x5eedf00d
    xor edx, edx
    wrmsr
    mov rax, 0xdeadbeef
    mov cr2, rax
    cli
.forever:
    jmp .forever
