; gdb-target: a 64-bit guest for Keel's GDB stub (tests/integration/
; bochs-gdb.test). It loops, calling tick (which counts in ticks) and then
; adding one to counter, until a debugger sets done; then checks what the
; debugger left and ends. Assembled twice: flat for Keel (org 0x8000),
; and with -DELF as an ELF64 object linked at 0x8000, whose symbols
; (tick, counter, done) are what GDB is given.
; module: name=gdbt mode=long64 time=120
%include "guests/lib/guest.inc"

bits 64
%ifdef ELF
global start, main_loop, tick, counter, ticks, done
section .text
%else
org 0x8000
%endif

start:
    UART_PUTS "gdb-target: looping until a debugger sets done"
main_loop:
    call tick
    inc qword [counter]
    cmp byte [done], 0
    je main_loop
    cmp qword [counter], 0
    CHECK ne, "the loop ran: counter is not 0"
    mov rax, [ticks]
    shr rax, 1
    mov rcx, [counter]
    sub rcx, rax
    cmp rcx, 1
    CHECK be, "tick ran once a turn: ticks is twice counter (or one turn behind)"
    cmp byte [done], 1
    CHECK e, "done was set to 1 by the debugger"
    EXIT 0

tick:
    add qword [ticks], 2
    nop
    ret

align 8
counter: dq 0
ticks:   dq 0
done:    db 0
