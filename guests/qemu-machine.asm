; qemu-machine: the devices of QEMU's PC machine as a Multiboot kernel
; uses them (32-bit, paging off, as Multiboot starts it): COM1's
; registers, fw_cfg against its own module options (mem=3, 1 vCPU), the
; PIC masks, the PIT counting, port 0x61, PCI configuration with no
; device, ports 0x80, 0x92, 0xcf9 and 0x64 without a reset, an unfinished
; Bochs "Shutdown"; then it ends through isa-debug-exit (16-bit write of
; 0x21: status 0x43 = 67).
; module: name=qemu-machine mode=prot32 mem=3
%include "guests/lib/guest.inc"

COM1        equ GUEST_COM1
FW_CFG_SEL  equ 0x510
FW_CFG_DATA equ 0x511
PIT_CH0     equ 0x40
PIT_CH2     equ 0x42
PIT_CMD     equ 0x43
PORT_61     equ 0x61

bits 32
org 0x8000

start:
    ; ---------------------------------------------------------- COM1
    mov dx, COM1 + 7
    mov al, 0x5a
    out dx, al
    in al, dx
    cmp al, 0x5a
    CHECK e, "COM1 scratch register reads back"

    mov dx, COM1 + 3
    mov al, 0x80                ; DLAB
    out dx, al
    mov dx, COM1
    mov al, 0x03                ; divisor 3: 38400 baud
    out dx, al
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov dx, COM1
    in al, dx
    mov bl, al
    mov dx, COM1 + 3
    mov al, 0x03                ; 8N1, DLAB off
    out dx, al
    in al, dx
    mov bh, al
    cmp bx, 0x0303
    CHECK e, "COM1 divisor latch and LCR read back"

    mov dx, COM1 + 5
    in al, dx
    and al, 0x60
    cmp al, 0x60
    CHECK e, "COM1 LSR says the transmitter is ready (THRE, TEMT)"

    mov dx, COM1 + 4            ; the common probe: loopback, send, read back
    mov al, 0x1e
    out dx, al
    mov dx, COM1
    mov al, 0xae
    out dx, al
    in al, dx
    mov bl, al
    mov dx, COM1 + 6
    in al, dx
    mov bh, al
    mov dx, COM1 + 4
    mov al, 0x0f
    out dx, al
    cmp bx, 0xd0ae
    CHECK e, "COM1 loopback returns the byte sent, MSR follows MCR"

    mov dx, COM1 + 1
    mov al, 0x02                ; IER: THR empty
    out dx, al
    mov dx, COM1 + 2
    in al, dx
    mov bl, al
    in al, dx
    mov bh, al
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    cmp bx, 0x0102
    CHECK e, "COM1 IIR shows THR empty once, then no interrupt"
    UART_PUTS "COM1 output after the loopback test"

    ; ---------------------------------------------------------- fw_cfg
    xor ax, ax
    call fw_cfg_get
    cmp dword [fw_buf], 'QEMU'
    CHECK e, "fw_cfg signature is QEMU"
    mov ax, 0x01
    call fw_cfg_get
    cmp dword [fw_buf], 1
    CHECK e, "fw_cfg ID is 1 (traditional interface)"
    mov ax, 0x03
    call fw_cfg_get
    cmp dword [fw_buf], 3 << 20
    jne .ram_bad
    cmp dword [fw_buf + 4], 0
.ram_bad:
    CHECK e, "fw_cfg RAM size is 3 MiB (mem=3)"
    mov ax, 0x05
    call fw_cfg_get
    cmp dword [fw_buf], 1
    CHECK e, "fw_cfg CPU count is 1"
    mov ax, 0x0f
    call fw_cfg_get
    cmp dword [fw_buf], 1
    CHECK e, "fw_cfg max CPUs (APIC ID limit) is 1"
    mov ax, 0x19
    call fw_cfg_get
    cmp dword [fw_buf], 0
    CHECK e, "fw_cfg file directory is empty"
    mov ax, 0x1234
    call fw_cfg_get
    mov eax, [fw_buf]
    or eax, [fw_buf + 4]
    CHECK z, "fw_cfg unknown key reads 0"

    ; ---------------------------------------------------------- PIC
    mov al, 0x11                ; ICW1: edge, cascade, ICW4
    out 0x20, al
    out 0xa0, al
    mov al, 0x20                ; ICW2: vectors 0x20 and 0x28
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 0x04                ; ICW3: slave on IRQ 2
    out 0x21, al
    mov al, 0x02
    out 0xa1, al
    mov al, 0x01                ; ICW4: 8086 mode
    out 0x21, al
    out 0xa1, al
    mov al, 0xa5                ; OCW1
    out 0x21, al
    mov al, 0x5a
    out 0xa1, al
    in al, 0x21
    mov bl, al
    in al, 0xa1
    mov bh, al
    cmp bx, 0x5aa5
    CHECK e, "PIC masks read back after ICW1-ICW4"
    mov al, 0x0a                ; OCW3: read IRR
    out 0x20, al
    in al, 0x20
    mov bl, al
    mov al, 0x0b                ; OCW3: read ISR
    out 0xa0, al
    in al, 0xa0
    mov bh, al
    mov al, 0x20                ; OCW2: EOI, accepted
    out 0x20, al
    test bx, bx
    CHECK z, "PIC IRR and ISR read 0"

    ; ---------------------------------------------------------- PIT
    mov al, 0x30                ; channel 0, LSB then MSB, mode 0
    out PIT_CMD, al
    mov al, 0xff
    out PIT_CH0, al
    out PIT_CH0, al
    call pit0_latch
    mov esi, eax
    mov ecx, 20000              ; ~240 PIT ticks at Bochs' 100 M instructions a second
.spin:
    loop .spin
    call pit0_latch
    xor ebx, ebx
    cmp esi, 0xf000             ; just loaded: near 0xffff
    jb .pit_done
    cmp eax, esi
    jae .pit_done
    inc ebx
.pit_done:
    test ebx, ebx
    CHECK nz, "PIT channel 0 counts down"

    in al, PORT_61
    mov bl, al
    in al, PORT_61
    xor bl, al
    and bl, 0x10
    CHECK nz, "port 0x61 bit 4 (refresh) toggles"

    in al, PORT_61              ; the Linux calibration: gate on, speaker off
    and al, 0xfc
    or al, 0x01
    out PORT_61, al
    mov al, 0xb0                ; channel 2, LSB then MSB, mode 0
    out PIT_CMD, al
    mov al, 1193 & 0xff         ; 1 ms
    out PIT_CH2, al
    mov al, 1193 >> 8
    out PIT_CH2, al
    in al, PORT_61
    mov [out2_first], al
    mov ecx, 10000000
.poll:
    in al, PORT_61
    test al, 0x20
    jnz .risen
    dec ecx
    jnz .poll
.risen:
    mov [out2_polls], ecx
    test byte [out2_first], 0x20
    CHECK z, "PIT channel 2 output (port 0x61 bit 5) low after loading"
    cmp dword [out2_polls], 0
    CHECK ne, "PIT channel 2 output rises when its count runs out"

    ; ---------------------------------------------------------- PCI, misc ports
    mov dx, 0xcf8
    mov eax, 0x80000000
    out dx, eax
    in eax, dx
    cmp eax, 0x80000000
    CHECK e, "PCI configuration address (0xcf8) reads back"
    mov dx, 0xcf8
    mov eax, 0x80000000         ; bus 0, device 0, function 0, register 0
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    cmp eax, 0x12378086
    CHECK e, "PCI configuration: a host bridge at 0:0.0 (8086:1237)"
    mov dx, 0xcf8
    mov eax, 0x80000800         ; device 1
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    cmp eax, 0xffffffff
    CHECK e, "PCI configuration: no device at 0:1.0 (reads all ones)"

    mov al, 0x55
    out 0x80, al
    PASS("port 0x80 (POST) write is harmless")

    in al, 0x92
    cmp al, 0x02
    CHECK e, "port 0x92 reads A20 on"
    mov dx, 0xcf9
    mov al, 0x02                ; hard reset type, no reset
    out dx, al
    in al, dx
    cmp al, 0x02
    CHECK e, "port 0xcf9 keeps bit 1 without resetting"
    in al, 0x64
    test al, 0x03
    CHECK z, "keyboard controller status: both buffers empty"
    mov dx, 0x2fd               ; COM2's LSR: QEMU has no COM2
    in al, dx
    cmp al, 0xff
    CHECK e, "a port with no device reads all ones"

    mov dx, 0x8900              ; "Shutdow" then something else: no shutdown
    mov esi, not_quite
.shutdown:
    lodsb
    test al, al
    jz .shutdown_done
    out dx, al
    jmp .shutdown
.shutdown_done:
    PASS("still running after an unfinished Bochs Shutdown")

    ; ---------------------------------------------------------- the end
    mov dx, 0xf4
    mov eax, 0xabcd0021         ; a 16-bit OUT: the device sees AX, 0x21
    out dx, ax
    FAIL("still running after isa-debug-exit")
    EXIT 1

; ax = key: the item's first 8 bytes into fw_buf
fw_cfg_get:
    mov dx, FW_CFG_SEL
    out dx, ax
    mov dx, FW_CFG_DATA
    xor ecx, ecx
.next:
    in al, dx
    mov [fw_buf + ecx], al
    inc ecx
    cmp ecx, 8
    jb .next
    ret

; eax = channel 0's count (counter latch command, LSB, MSB)
pit0_latch:
    xor eax, eax
    out PIT_CMD, al
    in al, PIT_CH0
    mov ah, al
    in al, PIT_CH0
    xchg al, ah
    ret

not_quite: db "ShutdowX", 0
align 4
fw_buf: times 8 db 0
out2_first: dd 0
out2_polls: dd 0
