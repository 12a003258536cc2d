; echo: reads its COM1 by polling (LSR bit 0), writes each byte back, and
; on Enter ends the line; the line "quit" ends the guest with status 0.
; The console tests type into it through Keel's input focus, and read
; its line buffer with the monitor's mem command: it is at 0x8100.
; module: name=echo mode=real16
%include "guests/lib/guest.inc"

bits 16
org 0x8000

LSR equ GUEST_COM1 + 5
LINE_MAX equ 64

start:
    UART_PUTS "echo: type a line (quit ends)"
    xor di, di                      ; bytes in the line
next:
    mov dx, LSR
.wait:
    in al, dx
    test al, 1                      ; data ready
    jz .wait
    mov dx, GUEST_COM1
    in al, dx
    cmp al, 13
    je .enter
    cmp di, LINE_MAX
    jae next                        ; a full line keeps what it has
    mov [line + di], al
    inc di
    out dx, al                      ; the echo
    jmp next
.enter:
    mov al, 10
    out dx, al
    cmp di, 4
    jne .reset
    cmp dword [line], 'quit'
    jne .reset
    PASS("echo: quit typed")
    EXIT 0
.reset:
    xor di, di
    jmp next

    times 0x100 - ($ - $$) db 0     ; (fails to assemble if the code outgrows it)
line: times LINE_MAX db 0           ; at 0x8100: bochs-console-debug.test reads it
