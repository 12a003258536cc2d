; qemu-reset: the ways a PC kernel resets or ends its machine, one per
; guest: which one comes from the RAM size fw_cfg reports, so that one
; image serves every module line of tests/integration/bochs-qemu-machine.test:
;   1 MiB: port 0xcf9 (0x06)          2 MiB: port 0x92 (a rising bit 0)
;   3 MiB: keyboard controller 0xfe    4 MiB: Bochs' "Shutdown" on 0x8900
;   5 MiB: isa-debug-exit, byte 0      6 MiB: isa-debug-exit, dword 0x12345678
; module: name=qemu-reset mode=prot32 mem=1
%include "guests/lib/guest.inc"

bits 32
org 0x8000

start:
    mov dx, 0x510
    mov ax, 0x03                ; RAM size
    out dx, ax
    mov dx, 0x511
    in al, dx
    in al, dx
    in al, dx                   ; byte 2: MiB (for sizes below 16 MiB)
    movzx eax, al
    shr eax, 4
    cmp eax, 1
    je by_cf9
    cmp eax, 2
    je by_92
    cmp eax, 3
    je by_kbc
    cmp eax, 4
    je by_bochs
    cmp eax, 5
    je by_exit8
    cmp eax, 6
    je by_exit32
    FAIL("no method for this RAM size")
    EXIT 1

by_cf9:
    mov dx, 0xcf9
    mov al, 0x06
    out dx, al
    jmp still_running
by_92:
    in al, 0x92
    or al, 1
    out 0x92, al
    jmp still_running
by_kbc:
    in al, 0x64
    test al, 2                  ; input buffer empty, as a reset loop waits for
    jnz by_kbc
    mov al, 0xfe
    out 0x64, al
    jmp still_running
by_bochs:
    mov dx, 0x8900
    mov esi, shutdown
.next:
    lodsb
    test al, al
    jz still_running
    out dx, al
    jmp .next
by_exit8:
    xor al, al
    out 0xf4, al
    jmp still_running
by_exit32:
    mov eax, 0x12345678
    out 0xf4, eax
still_running:
    FAIL("still running")
    EXIT 1

shutdown: db "Shutdown", 0
