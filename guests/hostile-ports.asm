; hostile-ports: every class of I/O port (docs/security.md,
; tests/integration/hostile-platform.test). Every port exits to Keel; a
; guest reaches no real device. entry=0x8000 + 16 * N:
;  0 ports     the PICs (reprogrammed, unmasked) and the PIT at its
;              fastest: IRQ 0 to itself only; CMOS and the NMI mask, PCI
;              configuration, ACPI (S5 to Bochs' PM1a control, its own PM
;              timer), the emulators' debug ports,
;              accesses across device ranges and at port 0xffff: each
;              answered or ignored, the guest goes on
;  1 ins       INSB: string I/O, stopped with the instruction named
;  2 outs      REP OUTSW: the same
;  3 cf9       a reset through 0xcf9     4 p92   through port 0x92
;  5 kbc       through the keyboard controller
;  6 shutdown  "Shutdown" to Bochs' port 0x8900: ends this guest, not Bochs
;  7 debugexit isa-debug-exit with 0x7fffffff: status 0xffffffff
;  8 acpi-s5   S5 at its own PM1a control (0x604): it powers off, not Bochs
;  9 pit-storm the PIT at its fastest, each IRQ 0 EOIed (hostile-holes-timer)
; module: name=ports mode=long64
%include "guests/lib/guest.inc"
%include "guests/hostile/lib.inc"

bits 64
org 0x8000

    ATTACK ports                ; 0x8000
    ATTACK ins                  ; 0x8010
    ATTACK outs                 ; 0x8020
    ATTACK cf9                  ; 0x8030
    ATTACK p92                  ; 0x8040
    ATTACK kbc                  ; 0x8050
    ATTACK shutdown             ; 0x8060
    ATTACK debugexit            ; 0x8070
    ATTACK acpi_s5              ; 0x8080
    ATTACK pit_storm            ; 0x8090

%macro OUTB 2
    mov dx, %1
    mov al, %2
    out dx, al
%endmacro

ports:
    H64_SETUP
    ; PICs: initialised with vectors 0x20/0x28, all unmasked, then STI
    OUTB 0x20, 0x11
    OUTB 0x21, 0x20
    OUTB 0x21, 0x04
    OUTB 0x21, 0x01
    OUTB 0xa0, 0x11
    OUTB 0xa1, 0x28
    OUTB 0xa1, 0x02
    OUTB 0xa1, 0x01
    OUTB 0x21, 0x00
    OUTB 0xa1, 0x00
    ; PIT channel 0: mode 2, count 1 (the fastest IRQ 0)
    OUTB 0x43, 0x34
    OUTB 0x40, 1
    OUTB 0x40, 0
    sti
    mov ecx, 200000
.wait:
    loop .wait
    cli
    mov rax, [rel h_irq_count]
    cmp rax, 1
    jne .irq0
    cmp qword [rel h_irq_last], 0x20
.irq0:
    CHECK e, "the PIT at its fastest through unmasked PICs: IRQ 0 to itself, once (no EOI to the PIC)"
    in al, 0x21
    movzx eax, al
    CHECK_ZERO rax, "the PIC's mask reads back what it wrote"
    ; CMOS: the NMI mask bit, the RTC, a write to the checksum
    OUTB 0x70, 0x80
    in al, 0x71
    mov bl, al
    OUTB 0x70, 0x2e
    OUTB 0x71, 0x55
    OUTB 0x70, 0x00
    cmp bl, 0xff
    CHECK e, "CMOS (0x70/0x71) with the NMI mask bit: no device, reads 0xff"
    ; PCI configuration: the host bridge, writes to its command register
    mov dx, 0xcf8
    mov eax, 0x80000000
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    mov ebx, eax
    mov dx, 0xcf8
    mov eax, 0x80000004
    out dx, eax
    mov dx, 0xcfc
    xor eax, eax
    out dx, eax                 ; memory and I/O decoding off
    mov dx, 0xcf8
    mov eax, 0x8000f840         ; bus 0, device 31: the PIIX/ICH PM base
    out dx, eax
    mov dx, 0xcfc
    mov eax, 0xb001
    out dx, eax
    mov dx, 0xcf8
    mov eax, 0x80000004
    out dx, eax
    mov dx, 0xcfc
    in eax, dx                  ; the command register: still 0
    cmp ebx, 0x12378086
    jne .pci_bad
    test eax, eax
.pci_bad:
    CHECK e, "PCI configuration: the host bridge at 0:0.0, writes dropped"
    ; ACPI: Bochs' PM block (0xb000) is not the guest's; its own is at
    ; 0x600 (S5 there is SLP_TYP 7: acpi-s5 in hostile-cpu)
    mov dx, 0xb004
    mov ax, 0x3c00 | 0x2000     ; SLP_TYP 7 | SLP_EN at Bochs' PM1a control
    out dx, ax
    mov dx, 0x604
    mov ax, 0x2000              ; SLP_EN with sleep type 0 (not S5)
    out dx, ax
    mov dx, 0xb008              ; Bochs' PM timer
    in eax, dx
    mov ebx, eax
    mov dx, 0xb000
    mov ax, 0xffff              ; PM1a status: clear everything
    out dx, ax
    mov dx, 0x608               ; its own PM timer counts
    in eax, dx
    mov esi, eax
    mov ecx, 1000
.pm: loop .pm
    in eax, dx
    cmp eax, esi
    jne .counted
    or rsp, rsp                 ; it did not count: ZF clear, FAIL
    jmp .pm_done
.counted:
    cmp ebx, 0xffffffff
.pm_done:
    CHECK e, "ACPI: S5 at Bochs' 0xb004 and sleep type 0 at 0x604 ignored; its own PM timer counts"
    ; the emulators' ports: Bochs' debug console and debugger, QEMU's
    ; debugcon and exit ports, a partial "Shutdown"
    OUTB 0xe9, 'x'
    OUTB 0x402, 'x'
    OUTB 0x403, 'x'
    mov dx, 0x8a00
    mov ax, 0x8a00
    out dx, ax                  ; Bochs: enable the I/O debugger
    mov ax, 0x8ae0
    out dx, ax                  ; Bochs: "instruction trace on"
    mov ax, 0x8ae3
    out dx, ax
    OUTB 0x501, 0x01
    OUTB 0x8900, 'S'
    OUTB 0x8900, 'h'
    OUTB 0x8900, 'u'
    OUTB 0x8900, 't'
    OUTB 0x8900, 'x'            ; broken off
    OUTB 0x8900, 'd'
    OUTB 0x8900, 'o'
    OUTB 0x8900, 'w'
    OUTB 0x8900, 'n'
    PASS("emulator ports (0xe9, 0x402, 0x403, 0x8a00, 0x501, a broken Shutdown): ignored")
    ; across ranges and at the top of the port space
    mov dx, GUEST_COM1 + 6
    in eax, dx                  ; 0x3fe-0x401
    mov dx, 0xcfa
    in eax, dx                  ; 0xcfa-0xcfd
    mov dx, 0x42
    in eax, dx                  ; 0x42-0x45
    mov dx, 0xf2
    in eax, dx                  ; 0xf2-0xf5, the exit port inside
    mov dx, 0xffff
    in eax, dx                  ; 0xffff and beyond
    mov dx, 0xffff
    out dx, eax
    mov dx, 0xfffe
    out dx, ax
    PASS("4-byte I/O across device ranges and at port 0xffff: answered")
    mov dx, GUEST_COM1 + 7
    mov al, 0x3c
    out dx, al
    in al, dx
    cmp al, 0x3c
    CHECK e, "still running, its own COM1 scratch register intact"
    EXIT 0

ins:
    H64_SETUP
    UART_PUTS "INSB from COM1"
    mov edi, 0x10000
    mov dx, GUEST_COM1
    insb
    FAIL("INSB returned")
    EXIT 1

outs:
    H64_SETUP
    UART_PUTS "REP OUTSW to port 0x80"
    mov esi, 0x8000
    mov ecx, 16
    mov dx, 0x80
    rep outsw
    FAIL("REP OUTSW returned")
    EXIT 1

cf9:
    UART_PUTS "writing 0x6 to port 0xcf9"
    OUTB 0xcf9, 0x06
    FAIL("the reset returned")
    EXIT 1

p92:
    UART_PUTS "setting bit 0 of port 0x92"
    OUTB 0x92, 0x03
    FAIL("the reset returned")
    EXIT 1

kbc:
    UART_PUTS "command 0xfe to the keyboard controller"
    OUTB 0x64, 0xfe
    FAIL("the reset returned")
    EXIT 1

shutdown:
    UART_PUTS "writing Shutdown to port 0x8900"
    mov dx, 0x8900
    lea rsi, [rel .word]
    mov ecx, 8
.next:
    lodsb
    out dx, al
    loop .next
    FAIL("Shutdown returned")
    EXIT 1
.word: db "Shutdown"

pit_storm:                      ; the PIT at its fastest, each IRQ 0 EOIed
    H64_SETUP
    lea rax, [rel pic_eoi]
    mov [rel h_irq_hook], rax
    OUTB 0x20, 0x11
    OUTB 0x21, 0x20
    OUTB 0x21, 0x04
    OUTB 0x21, 0x01
    OUTB 0x21, 0xfe             ; IRQ 0 only
    OUTB 0x43, 0x34             ; channel 0, mode 2, count 1
    OUTB 0x40, 1
    OUTB 0x40, 0
    mov ecx, 100000
.spin:
    loop .spin
    PASS("the PIT at its fastest with interrupts off: the vCPU still runs")
    sti
    mov ecx, 10000000
.wait:
    cmp qword [rel h_irq_count], 1000
    jae .enough
    loop .wait
.enough:
    cli
    OUTB 0x21, 0xff
    cmp qword [rel h_irq_count], 1000
    CHECK ae, "the PIT at its fastest, each IRQ 0 EOIed: 1000 interrupts taken, then masked"
    EXIT 0

pic_eoi:                        ; h_irq_hook: a non-specific EOI to the master
    push rax
    mov al, 0x20
    out 0x20, al
    pop rax
    ret

acpi_s5:                        ; its own PM1a control: S5 powers it off
    UART_PUTS "ACPI S5 (SLP_TYP 7, SLP_EN) at its PM1a control, port 0x604"
    mov dx, 0x604
    mov ax, 0x3c00 | 0x2000
    out dx, ax
    FAIL("S5 returned")
    EXIT 1

debugexit:
    UART_PUTS "writing 0x7fffffff to isa-debug-exit"
    mov dx, 0xf4
    mov eax, 0x7fffffff
    out dx, eax
    FAIL("isa-debug-exit returned")
    EXIT 1

H64_LIB
