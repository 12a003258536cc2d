; ioapic: a 64-bit guest with two vCPUs that takes device interrupts the
; way an operating system does: it maps the I/O APIC at 0xfec00000, reads
; its ID, version and arbitration registers, programs redirection entries
; (edge and level, physical destinations, the broadcast), and gets COM1's
; THR-empty interrupt (IRQ 4) through pin 4: edge (once, again per byte
; sent), level (again after each EOI while the condition holds, until IIR
; is read; remote IRR while in service, TMR set), masked (nothing; a lost
; edge stays lost, an asserted level pin is delivered when unmasked), to
; vCPU 1 (edge, and level: posted with its trigger mode, its EOIs back to
; the I/O APIC) and to both. Then the PIT's IRQ 0 through pin 2 (the MADT's
; override): mode 2 periodic, timed against channel 2, and mode 0 once;
; and with every pin masked, the 8259 pair as the virtual wire (ExtINT):
; IRQ 4 and IRQ 0 at their remapped vectors, EOIed at the 8259 only.
; module: name=ioapic mode=long64 cpus=2
%include "guests/lib/guest.inc"
%include "guests/lib/apic.inc"

IOAPIC           equ 0xfec00000
IOAPIC_VER       equ 0x00170011
RTE_LOGICAL      equ 1 << 11
RTE_POLARITY_LOW equ 1 << 13
RTE_REMOTE_IRR   equ 1 << 14
RTE_LEVEL        equ 1 << 15
RTE_MASKED       equ 1 << 16
RTE_LOWEST       equ 1 << 8

V_EDGE           equ 0x34
V_LEVEL          equ 0x35
V_AP             equ 0x36
V_BCAST          equ 0x37
V_PIT            equ 0x38
V_AP_LEVEL       equ 0x39
X2APIC_TMR1      equ 0x819     ; vectors 32-63
V_PIC            equ 0x20      ; the 8259 pair remapped to 0x20-0x2f
V_SPURIOUS       equ 0xff

COM1_IER         equ GUEST_COM1 + 1
COM1_IIR         equ GUEST_COM1 + 2
COM1_MCR         equ GUEST_COM1 + 4
IER_THRI         equ 0x02
MCR_OUT2         equ 0x0b      ; DTR, RTS, OUT2 (the PC's interrupt enable)

PIT_COUNT        equ 1193      ; 1 ms
PIT_TICKS        equ 10
LEVEL_TIMES      equ 5
QUIET            equ 400000    ; TSC ticks of waiting for nothing to happen
PATIENCE         equ 50000000  ; TSC ticks of waiting for something
AP_STACK         equ 0x6000
PTE_P_W          equ 0x03
PTE_PCD          equ 0x10
PTE_PS           equ 0x80

bits 64
org 0x8000

start:
    jmp bsp_main

; ---------------------------------------------------------------- vCPU 1
    AP_TRAMPOLINE

ap_main:
    lidt [idtr]
    X2APIC_ENABLE
    mov qword [ap_alive], 1
.idle:
    sti
    hlt
    jmp .idle

; ---------------------------------------------------------------- macros

; RTE pin, value: program a redirection entry, high half first
%macro RTE 2
    mov ecx, %1
    mov rax, %2
    call set_rte
%endmacro

; OUTB port, value
%macro OUTB 2
    mov dx, %1
    mov al, %2
    out dx, al
%endmacro

; WAIT qword, n: wait (interrupts on) until [qword] >= n or PATIENCE runs out
%macro WAIT 2
    lea rdi, [rel %1]
    mov esi, %2
    mov r8d, PATIENCE
    call wait_count
%endmacro

%macro X2APIC_EOI_NOW 0
    mov ecx, X2APIC_EOI
    xor eax, eax
    xor edx, edx
    wrmsr
%endmacro

; ---------------------------------------------------------------- handlers
edge_handler:                   ; EOI only: IIR stays unread
    push rax
    push rcx
    push rdx
    inc qword [edge_count]
    X2APIC_EOI_NOW
    pop rdx
    pop rcx
    pop rax
    iretq

level_handler:                  ; EOI; IIR read (THR empty acknowledged) on the last turn
    push rax
    push rcx
    push rdx
    inc qword [level_count]
    cmp qword [level_count], 1
    jne .not_first
    mov ecx, 0x10 + 2 * 4
    call ioapic_read
    mov [level_rte], rax        ; pin 4 while its interrupt is in service
    RDMSR_TO_RAX X2APIC_TMR1
    mov [level_tmr], rax
.not_first:
    mov rax, [level_count]
    cmp rax, [level_limit]
    jb .eoi
    mov dx, COM1_IIR
    in al, dx
.eoi:
    X2APIC_EOI_NOW
    pop rdx
    pop rcx
    pop rax
    iretq

ap_handler:                     ; counts, and says which vCPU took it
    push rax
    push rcx
    push rdx
    lock inc qword [ap_count]
    RDMSR_TO_RAX X2APIC_ID
    mov [ap_taker], rax
    X2APIC_EOI_NOW
    pop rdx
    pop rcx
    pop rax
    iretq

ap_level_handler:               ; on vCPU 1: EOI; IIR read on the last turn
    push rax
    push rcx
    push rdx
    lock inc qword [ap_level_count]
    RDMSR_TO_RAX X2APIC_TMR1
    mov [ap_level_tmr], rax
    mov rax, [ap_level_count]
    cmp rax, [ap_level_limit]
    jb .eoi
    mov dx, COM1_IIR
    in al, dx
.eoi:
    X2APIC_EOI_NOW
    pop rdx
    pop rcx
    pop rax
    iretq

bcast_handler:                  ; one count per vCPU
    push rax
    push rcx
    push rdx
    RDMSR_TO_RAX X2APIC_ID
    and eax, 1
    lock inc qword [bcast_count + rax * 8]
    X2APIC_EOI_NOW
    pop rdx
    pop rcx
    pop rax
    iretq

pit_handler:
    push rax
    push rcx
    push rdx
    RDTSC_TO_RAX
    mov rcx, [pit_count]
    cmp rcx, PIT_TICKS
    jae .no_stamp
    mov [pit_stamps + rcx * 8], rax
.no_stamp:
    inc qword [pit_count]
    X2APIC_EOI_NOW
    pop rdx
    pop rcx
    pop rax
    iretq

pic4_handler:                   ; an ExtINT: the 8259 is EOIed, the local APIC is not
    push rax
    push rcx
    push rdx
    inc qword [pic4_count]
    RDMSR_TO_RAX 0x811          ; ISR, vectors 32-63
    mov [pic4_isr], rax
    mov dx, COM1_IIR
    in al, dx
    OUTB 0x20, 0x20
    pop rdx
    pop rcx
    pop rax
    iretq

pic0_handler:
    push rax
    push rdx
    inc qword [pic0_count]
    OUTB 0x20, 0x20
    pop rdx
    pop rax
    iretq

pic_spurious_handler:           ; IRQ 7 of the master: no EOI
    inc qword [pic_spurious]
    iretq

spurious_handler:
    iretq

; ---------------------------------------------------------------- helpers

; ioapic_read: ecx = register -> rax (zero-extended)
ioapic_read:
    push rdi
    mov edi, IOAPIC
    mov [rdi], ecx
    mov eax, [rdi + 0x10]
    pop rdi
    ret

; ioapic_write: ecx = register, eax = value
ioapic_write:
    push rdi
    mov edi, IOAPIC
    mov [rdi], ecx
    mov [rdi + 0x10], eax
    pop rdi
    ret

; set_rte: ecx = pin, rax = the 64-bit entry (destination half first)
set_rte:
    push rbx
    mov rbx, rax
    lea ecx, [rcx * 2 + 0x11]
    shr rax, 32
    call ioapic_write
    dec ecx
    mov eax, ebx
    call ioapic_write
    pop rbx
    ret

; get_rte: ecx = pin -> rax
get_rte:
    push rbx
    lea ecx, [rcx * 2 + 0x11]
    call ioapic_read
    mov rbx, rax
    shl rbx, 32
    dec ecx
    call ioapic_read
    or rax, rbx
    pop rbx
    ret

; wait_count: rdi = qword, rsi = target, r8 = TSC ticks: spin with
; interrupts on until [rdi] >= rsi or the time is up; rax = the count
wait_count:
    push rbx
    push rdx
    sti
    RDTSC_TO_RAX
    mov rbx, rax
.spin:
    cmp [rdi], rsi
    jae .done
    pause
    RDTSC_TO_RAX
    sub rax, rbx
    cmp rax, r8
    jb .spin
.done:
    mov rax, [rdi]
    pop rdx
    pop rbx
    ret

; quiet: r8 = TSC ticks to spin with interrupts on
quiet:
    push rax
    push rbx
    push rdx
    sti
    RDTSC_TO_RAX
    mov rbx, rax
.spin:
    pause
    RDTSC_TO_RAX
    sub rax, rbx
    cmp rax, r8
    jb .spin
    pop rdx
    pop rbx
    pop rax
    ret

; ier: al = COM1's IER
ier:
    mov dx, COM1_IER
    out dx, al
    ret

; map_ioapic: Keel's page tables map the guest's RAM only; a 2 MiB page
; (uncached) in a page directory of our own for the 4th GiB reaches the
; I/O APIC (identity)
map_ioapic:
    mov rax, cr3
    and rax, -4096
    mov rbx, [rax]              ; PML4[0]: the PDPT
    and rbx, -4096
    lea rcx, [rel mmio_pd]
    or rcx, PTE_P_W
    mov [rbx + 3 * 8], rcx      ; PDPT[3]: 0xc0000000-0xffffffff
    mov rax, IOAPIC | PTE_P_W | PTE_PCD | PTE_PS
    mov [rel mmio_pd + ((IOAPIC >> 21) & 511) * 8], rax
    mov rax, cr3
    mov cr3, rax
    ret

; read_ch2: PIT channel 2's counter (latched) -> ebx
read_ch2:
    OUTB 0x43, 0x80
    in al, 0x42
    mov bl, al
    in al, 0x42
    mov bh, al
    movzx ebx, bx
    ret

; pit_calibrate: TSC ticks per PIT tick, as the PIT counts for this guest:
; channel 2 in mode 2 (gate on, speaker off) read twice, 200000 TSC ticks
; apart -> [cal_tsc] over [cal_ticks] PIT ticks
pit_calibrate:
    in al, 0x61
    and al, 0xfc
    or al, 1
    out 0x61, al
    OUTB 0x43, 0xb4             ; channel 2, LSB then MSB, mode 2
    OUTB 0x42, 0
    OUTB 0x42, 0                ; 65536
    RDTSC_TO_RAX
    mov r12, rax
    call read_ch2
    mov r14d, ebx
.spin:
    RDTSC_TO_RAX
    sub rax, r12
    cmp rax, 200000
    jb .spin
    RDTSC_TO_RAX
    mov r13, rax
    call read_ch2
    sub r14d, ebx
    and r14d, 0xffff
    mov [cal_ticks], r14
    sub r13, r12
    mov [cal_tsc], r13
    ret

; pit_period_tsc: rax = PIT ticks -> rax = TSC ticks, by the calibration
pit_period_tsc:
    push rdx
    mul qword [cal_tsc]
    div qword [cal_ticks]
    pop rdx
    ret

; within: rax = measured, rbx = expected: ZF set when 98% <= rax <= 102%
; of rbx (clobbers rcx, rdx)
within:
    push rax
    mov rcx, rax
    imul rcx, rcx, 100
    mov rax, rbx
    imul rax, rax, 98
    cmp rcx, rax
    jb .no
    mov rax, rbx
    imul rax, rax, 102
    cmp rcx, rax
    ja .no
    pop rax
    cmp eax, eax
    ret
.no:
    pop rax
    cmp rsp, 0                  ; ZF clear
    ret

; ---------------------------------------------------------------- vCPU 0
bsp_main:
    UART_PUTS "I/O APIC pins 4 and 2 (COM1, PIT), edge and level; the 8259 virtual wire"
    LONG64_SETUP
    lea rdi, [rel idt]
    mov ecx, 6
    lea rax, [rel guest_fault_ud]
    call guest_set_gate
    mov ecx, 13
    lea rax, [rel guest_fault_gp]
    call guest_set_gate
    mov ecx, 14
    lea rax, [rel guest_fault_pf]
    call guest_set_gate
    mov ecx, V_EDGE
    lea rax, [rel edge_handler]
    call guest_set_gate
    mov ecx, V_LEVEL
    lea rax, [rel level_handler]
    call guest_set_gate
    mov ecx, V_AP
    lea rax, [rel ap_handler]
    call guest_set_gate
    mov ecx, V_AP_LEVEL
    lea rax, [rel ap_level_handler]
    call guest_set_gate
    mov ecx, V_BCAST
    lea rax, [rel bcast_handler]
    call guest_set_gate
    mov ecx, V_PIT
    lea rax, [rel pit_handler]
    call guest_set_gate
    mov ecx, V_PIC + 4
    lea rax, [rel pic4_handler]
    call guest_set_gate
    mov ecx, V_PIC
    lea rax, [rel pic0_handler]
    call guest_set_gate
    mov ecx, V_PIC + 7
    lea rax, [rel pic_spurious_handler]
    call guest_set_gate
    mov ecx, V_SPURIOUS
    lea rax, [rel spurious_handler]
    call guest_set_gate
    lidt [idtr]
    X2APIC_ENABLE
    call map_ioapic

    ; ------------------------------------------------ the registers
    mov ecx, 0
    call ioapic_read
    cmp eax, 2 << 24
    CHECK e, "I/O APIC ID is 2, the vCPU count, as the MADT says"
    mov ecx, 1
    call ioapic_read
    cmp eax, IOAPIC_VER
    CHECK e, "version 0x11, 24 redirection entries (0x00170011)"
    mov ecx, 2
    call ioapic_read
    cmp eax, 2 << 24
    CHECK e, "arbitration ID is the ID"
    xor r12d, r12d              ; pins not masked at reset
    xor ebx, ebx
.pins:
    mov ecx, ebx
    call get_rte
    cmp rax, RTE_MASKED
    je .masked
    inc r12d
.masked:
    inc ebx
    cmp ebx, 24
    jb .pins
    cmp r12d, 0
    CHECK e, "all 24 redirection entries masked at reset"
    RTE 5, (0xa5 << 56) | RTE_MASKED | RTE_LEVEL | RTE_POLARITY_LOW | RTE_LOGICAL | RTE_LOWEST | 0x99
    mov ecx, 5
    call get_rte
    mov rbx, (0xa5 << 56) | RTE_MASKED | RTE_LEVEL | RTE_POLARITY_LOW | RTE_LOGICAL | RTE_LOWEST | 0x99
    cmp rax, rbx
    CHECK e, "a redirection entry reads back as written"
    RTE 5, 0x00fffffffffe0000 | (1 << 12) | RTE_REMOTE_IRR | RTE_MASKED
    mov ecx, 5
    call get_rte
    cmp rax, RTE_MASKED
    CHECK e, "delivery status, remote IRR and reserved bits read 0"
    mov ecx, 0
    mov eax, 0x0e000000
    call ioapic_write
    mov ecx, 0
    call ioapic_read
    mov r12, rax
    mov ecx, 0
    mov eax, 2 << 24
    call ioapic_write
    cmp r12, 0x0e000000
    CHECK e, "the ID register takes a new ID"

    ; ------------------------------------------------ COM1 through pin 4, edge
    OUTB COM1_MCR, MCR_OUT2
    xor eax, eax
    call ier
    RTE 4, V_EDGE                       ; edge, fixed, physical APIC ID 0
    sti
    mov al, IER_THRI
    call ier                            ; THR empty: IRQ 4 rises
    WAIT edge_count, 1
    mov r8d, QUIET
    call quiet
    cmp qword [edge_count], 1
    CHECK e, "edge: COM1's THR-empty interrupt arrives through pin 4, once"
    mov dx, COM1_IIR
    in al, dx
    and al, 0x0f
    cmp al, 0x02
    CHECK e, "edge: IIR shows THR empty still (the EOI is not an acknowledge)"
    mov dx, COM1_IIR
    in al, dx
    and al, 0x0f
    cmp al, 0x01
    CHECK e, "edge: reading IIR acknowledged it"
    cli
    UART_PUTS "edge: bytes sent with interrupts off"
    sti
    WAIT edge_count, 2
    mov r8d, QUIET
    call quiet
    cmp qword [edge_count], 2
    CHECK e, "edge: THR empty again after the bytes sent: one more interrupt"
    xor eax, eax
    call ier
    mov dx, COM1_IIR
    in al, dx

    ; masked: a lost edge stays lost
    RTE 4, RTE_MASKED | V_EDGE
    mov al, IER_THRI
    call ier
    mov r8d, QUIET
    call quiet
    cmp qword [edge_count], 2
    CHECK e, "edge: a masked pin delivers nothing"
    RTE 4, V_EDGE
    mov r8d, QUIET
    call quiet
    cmp qword [edge_count], 2
    CHECK e, "edge: unmasking it does not bring the lost edge back"
    RTE 4, RTE_MASKED | V_EDGE
    xor eax, eax
    call ier

    ; ------------------------------------------------ level
    mov qword [level_limit], LEVEL_TIMES
    RTE 4, RTE_LEVEL | V_LEVEL
    mov al, IER_THRI
    call ier
    WAIT level_count, LEVEL_TIMES
    mov r8d, QUIET
    call quiet
    cmp qword [level_count], LEVEL_TIMES
    CHECK e, "level: delivered again after each EOI while THR empty holds, until IIR is read (5 times)"
    test qword [level_rte], RTE_REMOTE_IRR
    CHECK nz, "level: remote IRR set while the interrupt is in service"
    test qword [level_tmr], 1 << (V_LEVEL - 32)
    CHECK nz, "level: the local APIC's TMR says level"
    mov ecx, 4
    call get_rte
    test eax, RTE_REMOTE_IRR
    CHECK z, "level: remote IRR clear after the last EOI"
    xor eax, eax
    call ier
    RTE 4, RTE_MASKED | RTE_LEVEL | V_LEVEL
    mov qword [level_limit], LEVEL_TIMES + 1
    mov al, IER_THRI
    call ier                            ; asserted, masked
    mov r8d, QUIET
    call quiet
    cmp qword [level_count], LEVEL_TIMES
    CHECK e, "level: a masked pin delivers nothing"
    RTE 4, RTE_LEVEL | V_LEVEL          ; unmasked while asserted
    WAIT level_count, LEVEL_TIMES + 1
    mov r8d, QUIET
    call quiet
    cmp qword [level_count], LEVEL_TIMES + 1
    CHECK e, "level: unmasking an asserted pin delivers it"
    RTE 4, RTE_MASKED | V_EDGE
    xor eax, eax
    call ier

    ; ------------------------------------------------ to vCPU 1, to both
    START_AP 1
    WAIT ap_alive, 1
    cmp rax, 1
    CHECK e, "vCPU 1 started"
    RTE 4, (1 << 56) | V_AP
    mov al, IER_THRI
    call ier
    WAIT ap_count, 1
    mov r8d, QUIET
    call quiet
    cmp qword [ap_count], 1
    CHECK e, "edge to physical APIC ID 1: vCPU 1 takes it, once"
    cmp qword [ap_taker], 1
    CHECK e, "edge to physical APIC ID 1: not vCPU 0"
    xor eax, eax
    call ier
    mov qword [ap_level_limit], 3
    RTE 4, (1 << 56) | RTE_LEVEL | V_AP_LEVEL
    mov al, IER_THRI
    call ier
    WAIT ap_level_count, 3
    mov r8d, QUIET
    call quiet
    cmp qword [ap_level_count], 3
    CHECK e, "level to APIC ID 1: vCPU 1 takes it again after each of its EOIs until it reads IIR (3 times)"
    test qword [ap_level_tmr], 1 << (V_AP_LEVEL - 32)
    CHECK nz, "level to APIC ID 1: posted with its trigger mode (vCPU 1's TMR says level)"
    mov ecx, 4
    call get_rte
    test eax, RTE_REMOTE_IRR
    CHECK z, "level to APIC ID 1: remote IRR clear after vCPU 1's last EOI"
    xor eax, eax
    call ier
    RTE 4, (0xff << 56) | V_BCAST
    mov al, IER_THRI
    call ier
    WAIT bcast_count + 8, 1
    WAIT bcast_count, 1
    mov r8d, QUIET
    call quiet
    cmp qword [bcast_count], 1
    sete bl
    cmp qword [bcast_count + 8], 1
    sete bh
    and bl, bh
    cmp bl, 1
    CHECK e, "destination 0xff: both vCPUs take it"
    xor eax, eax
    call ier
    RTE 4, RTE_MASKED | V_EDGE

    ; ------------------------------------------------ PIT through pin 2
    call pit_calibrate
    cmp qword [cal_ticks], 100
    CHECK a, "PIT channel 2 counts (the calibration)"
    RTE 2, V_PIT                        ; IRQ 0 is pin 2 (the MADT's override)
    OUTB 0x43, 0x34                     ; channel 0, LSB then MSB, mode 2
    OUTB 0x40, PIT_COUNT & 0xff
    OUTB 0x40, PIT_COUNT >> 8
    WAIT pit_count, PIT_TICKS
    RTE 2, RTE_MASKED | V_PIT
    cmp rax, PIT_TICKS
    CHECK ae, "PIT mode 2: IRQ 0 ticks arrive through pin 2"
    mov rax, [pit_stamps + (PIT_TICKS - 1) * 8]
    sub rax, [pit_stamps]
    mov [elapsed], rax
    mov eax, (PIT_TICKS - 1) * PIT_COUNT
    call pit_period_tsc
    mov rbx, rax
    mov rax, [elapsed]
    call within
    CHECK e, "PIT mode 2: 10 ticks within 2% of 9 periods of its count"
    mov r13, [pit_count]
    mov r8d, QUIET
    call quiet
    cmp [pit_count], r13
    CHECK e, "PIT: pin 2 masked, no more ticks"
    ; mode 0: once, at its count
    mov qword [pit_count], 0
    RTE 2, V_PIT
    OUTB 0x43, 0x30                     ; channel 0, LSB then MSB, mode 0
    RDTSC_TO_RAX
    mov r12, rax
    OUTB 0x40, (4 * PIT_COUNT) & 0xff
    OUTB 0x40, (4 * PIT_COUNT) >> 8
    WAIT pit_count, 1
    mov r8d, QUIET * 2
    call quiet
    cmp qword [pit_count], 1
    CHECK e, "PIT mode 0: one interrupt"
    mov rax, [pit_stamps]
    sub rax, r12
    mov [elapsed], rax
    mov eax, 4 * PIT_COUNT
    call pit_period_tsc
    mov rbx, rax
    mov rax, [elapsed]
    call within
    CHECK e, "PIT mode 0: at its count (within 2%)"
    RTE 2, RTE_MASKED | V_PIT

    ; ------------------------------------------------ the 8259 virtual wire
    ; every I/O APIC pin masked: the pair's INTR reaches vCPU 0 (ExtINT)
    OUTB 0x20, 0x11
    OUTB 0x21, V_PIC
    OUTB 0x21, 0x04
    OUTB 0x21, 0x01
    OUTB 0xa0, 0x11
    OUTB 0xa1, V_PIC + 8
    OUTB 0xa1, 0x02
    OUTB 0xa1, 0x01
    OUTB 0xa1, 0xff
    OUTB 0x21, 0xef                     ; IRQ 4 only
    mov al, IER_THRI
    call ier
    WAIT pic4_count, 1
    mov r8d, QUIET
    call quiet
    cmp qword [pic4_count], 1
    CHECK e, "8259: IRQ 4 arrives as vector 0x24 (ExtINT) with every I/O APIC pin masked"
    test qword [pic4_isr], 1 << (V_PIC + 4 - 32)
    CHECK z, "8259: the ExtINT is not in the local APIC's ISR"
    xor eax, eax
    call ier
    OUTB 0x21, 0xfe                     ; IRQ 0 only
    OUTB 0x43, 0x34
    OUTB 0x40, PIT_COUNT & 0xff
    OUTB 0x40, PIT_COUNT >> 8
    WAIT pic0_count, 3
    OUTB 0x21, 0xff
    cmp rax, 3
    CHECK ae, "8259: the PIT's IRQ 0 ticks at vector 0x20"
    mov r13, [pic0_count]
    mov r8d, QUIET
    call quiet
    cmp [pic0_count], r13
    CHECK e, "8259: IRQ 0 masked, no more ticks"
    cmp qword [pic_spurious], 0
    CHECK e, "8259: no spurious IRQ 7"
    EXIT 0

align 8
ap_alive:       dq 0
edge_count:     dq 0
level_count:    dq 0
level_limit:    dq 0
level_rte:      dq 0
level_tmr:      dq 0
ap_level_count: dq 0
ap_level_limit: dq 0
ap_level_tmr:   dq 0
ap_count:       dq 0
ap_taker:       dq -1
bcast_count:    dq 0, 0
pit_count:      dq 0
pit_stamps:     times PIT_TICKS dq 0
pic4_count:     dq 0
pic4_isr:       dq 0
pic0_count:     dq 0
pic_spurious:   dq 0
cal_tsc:        dq 0
cal_ticks:      dq 1
elapsed:        dq 0

    LONG64_LIB
    IDT256
align 4096
mmio_pd:        times 512 dq 0
