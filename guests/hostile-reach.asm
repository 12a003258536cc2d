; hostile-reach: reach for memory that is not the guest's (docs/security.md,
; tests/integration/hostile-memory.test). One image, one attack per
; entry point (entry=0x8000 + 16 * N, below); each must stop the guest
; with an EPT violation (or an APIC-access exit) naming the address, or
; meet an emulated device (the local APIC, the I/O APIC, the test page). Attack 12 ("view") instead goes on: with 8 MiB
; of RAM its own view covers the host addresses of Keel and of the
; bystander, and it finds neither there.
; module: name=reach mode=long64 entry=0x8000
%include "guests/lib/guest.inc"
%include "guests/hostile/lib.inc"

bits 64
org 0x8000

    ATTACK past_end             ; 0x8000
    ATTACK straddle             ; 0x8010
    ATTACK keel_image           ; 0x8020 (mem=1)
    ATTACK other_guest          ; 0x8030
    ATTACK io_apic              ; 0x8040 (the page after the I/O APIC)
    ATTACK pci_hole             ; 0x8050
    ATTACK reset_vector         ; 0x8060
    ATTACK above_4g             ; 0x8070
    ATTACK top_of_width         ; 0x8080
    ATTACK apic_fetch           ; 0x8090
    ATTACK apic_next_page       ; 0x80a0
    ATTACK mmio_string          ; 0x80b0
    ATTACK view                 ; 0x80c0 (mem=8)
    ATTACK gdt_outside          ; 0x80d0
    ATTACK idt_outside          ; 0x80e0
    ATTACK cr3_outside          ; 0x80f0
    ATTACK stack_outside        ; 0x8100
    ATTACK triple_cascade       ; 0x8110

; HC_BUF address, length, "message": console write of that buffer returns -2
%macro HC_BUF 3
    mov eax, HC_CONSOLE_WRITE
    mov rbx, %1
    mov rcx, %2
    vmcall
    cmp rax, -2
    CHECK e, %3
%endmacro

%macro STOPPED 0
    FAIL("the access outside RAM returned")
    EXIT 1
%endmacro

past_end:                       ; the first byte after its 2 MiB
    H64_SETUP
    UART_PUTS "reading guest-physical 0x200000, just past its RAM"
    mov rax, [0x200000]
    STOPPED

straddle:                       ; 8 bytes, 4 inside its RAM and 4 outside
    H64_SETUP
    UART_PUTS "writing 8 bytes at guest-physical 0x1ffffc, across the end of its RAM"
    mov rax, -1
    mov [0x1ffffc], rax
    STOPPED

keel_image:                     ; 1 MiB of RAM: 0x100000 up is Keel's on the host
    H64_SETUP
    UART_PUTS "writing guest-physical 0x100000, where Keel is in host memory"
    mov qword [0x100000], 0
    STOPPED

other_guest:                    ; where the bystander's RAM is in host memory
    H64_SETUP
    UART_PUTS "writing guest-physical 0x400000, the bystander's host address"
    mov qword [0x400000], 0
    STOPPED

io_apic:                        ; the I/O APIC is one page: the next is nothing
    H64_SETUP
    UART_PUTS "reading guest-physical 0xfec01000, after the I/O APIC page"
    mov edi, 0xfec01000
    mov eax, [rdi]
    STOPPED

pci_hole:                       ; PCI Express MMCONFIG, in the PCI hole
    H64_SETUP
    UART_PUTS "writing guest-physical 0xe0000000, in the PCI hole"
    mov edi, 0xe0000000
    mov dword [rdi], 0
    STOPPED

reset_vector:                   ; the firmware's first instruction
    H64_SETUP
    UART_PUTS "jumping to the reset vector, guest-physical 0xfffffff0"
    mov eax, 0xfffffff0
    jmp rax

above_4g:
    H64_SETUP
    UART_PUTS "reading guest-physical 0x100000000, above 4 GiB"
    MAP_WINDOW 0x100000000
    mov rax, [rax]
    STOPPED

top_of_width:                   ; the last 8 bytes CPUID 0x80000008 allows
    H64_SETUP
    UART_PUTS "reading the last 8 bytes of the physical address width"
    mov eax, 0x80000008
    cpuid
    movzx ecx, al
    mov eax, 1
    shl rax, cl
    sub rax, 8
    call h_map_window
    mov rax, [rax]
    STOPPED

apic_fetch:                     ; code in the APIC's page
    H64_SETUP
    UART_PUTS "jumping into the local APIC page at 0xfee00000"
    mov eax, 0xfee00000
    jmp rax

apic_next_page:                 ; the APIC is one page: the next is nothing
    H64_SETUP
    UART_PUTS "reading guest-physical 0xfee01000, after the APIC page"
    mov edi, 0xfee01000
    mov eax, [rdi]
    STOPPED

mmio_string:                    ; REP MOVSB into a device page: not emulated
    H64_SETUP
    UART_PUTS "REP MOVSB into the test device page at 0xfeb00000"
    mov edi, 0xfeb00000
    mov esi, 0x8000
    mov ecx, 64
    rep movsb
    STOPPED

gdt_outside:                    ; the GDT the CPU reads on a segment load
    H64_SETUP
    UART_PUTS "LGDT with base 0x40000000, outside RAM, then MOV DS"
    lgdt [rel far_gdtr]
    mov ax, 0x10
    mov ds, ax
    STOPPED

idt_outside:                    ; the IDT the CPU reads to deliver #UD
    H64_SETUP
    UART_PUTS "LIDT with base 0x40000000, outside RAM, then UD2"
    lidt [rel far_gdtr]
    ud2
    STOPPED

cr3_outside:                    ; page tables the CPU walks at the next fetch
    H64_SETUP
    UART_PUTS "MOV CR3 of 0x40000000, outside RAM"
    mov eax, 0x40000000
    mov cr3, rax
    STOPPED

stack_outside:                  ; the stack INT3's frame is pushed to
    H64_SETUP
    UART_PUTS "INT3 with RSP 0x40001000, outside RAM"
    mov esp, 0x40001000
    int3
    STOPPED

triple_cascade:                 ; INT3 onto a stack that is not mapped: #PF,
    H64_SETUP                   ; #DF, then a triple fault
    UART_PUTS "INT3 with RSP in a page that is not present"
    mov qword [H_PD + 0x1000], 0
    mov eax, 0x40001000
    invlpg [rax]
    mov rsp, rax
    int3
    STOPPED

far_gdtr:
    dw 0xffff
    dq 0x40000000

; ---------------------------------------------------------------- view
; 8 MiB of RAM: guest-physical 0x100000 (Keel's host address) and 0x400000
; (the bystander's) are its own RAM, and hold nothing of theirs.
BYSTANDER_MAGIC_NOT equ ~0x6b65656c5f627973     ; the bystander's pattern seed, inverted
MB2_MAGIC_NOT       equ ~0xe85250d6             ; Keel's Multiboot2 header, inverted

view:
    H64_SETUP
    mov rdx, BYSTANDER_MAGIC_NOT
    not rdx
    mov rdi, 0x400000
    mov ecx, 0x200000 / 8
.scan_bystander:
    cmp [rdi], rdx
    je .found_bystander
    add rdi, 8
    loop .scan_bystander
.found_bystander:
    test ecx, ecx
    CHECK z, "guest-physical 0x400000 (the bystander's host RAM) is its own: no bystander data"
    mov edx, MB2_MAGIC_NOT & 0xffffffff
    not edx
    mov rdi, 0x100000
    mov ecx, 0x100000 / 4
.scan_keel:
    cmp [rdi], edx
    je .found_keel
    add rdi, 4
    loop .scan_keel
.found_keel:
    test ecx, ecx
    CHECK z, "guest-physical 0x100000 (Keel's host image) is its own: no Multiboot2 header"
    ; the APIC page is the guest's own emulated APIC
    mov edi, 0xfee00030
    mov eax, [rdi]
    cmp al, 0x14
    CHECK e, "the APIC page at 0xfee00000 is its own emulated APIC (version 0x14)"
    ; the I/O APIC page is its own emulated I/O APIC
    mov edi, 0xfec00000
    mov dword [rdi], 1          ; IOREGSEL: the version register
    mov eax, [rdi + 0x10]
    cmp eax, 0x00170011
    CHECK e, "the I/O APIC page at 0xfec00000 is its own emulated I/O APIC (version 0x170011)"
    ; the test device is its own: the bystander's value is not there
    mov edi, 0xfeb00000
    mov rax, [rdi]
    test rax, rax
    CHECK z, "the test device register is its own (reads 0, not the bystander's)"
    ; a page-table entry naming an address beyond MAXPHYADDR
    mov eax, 0x80000008
    cpuid
    movzx ecx, al
    mov eax, 1
    shl rax, cl
    or rax, H_PT_FLAGS
    mov [H_PD_WIN], rax
    mov rax, H_WINDOW
    invlpg [rax]
    TRAP_BEGIN 14
    mov rax, H_WINDOW
    mov rax, [rax]
    TRAP_END "a PDE with an address beyond MAXPHYADDR raises #PF"
    mov rax, [rel h_fault_err]
    test eax, 1 << 3
    CHECK nz, "the #PF says reserved bit (error code RSVD)"
    ; hypercall buffers: outside RAM, across its end, wrapping, too long
    HC_BUF 0x800000 - 8, 16, "console hypercall with a buffer across the end of RAM returns -2"
    HC_BUF 0x400000 + 0x800000, 16, "console hypercall with a buffer past its RAM returns -2"
    HC_BUF 0xfee00000, 16, "console hypercall with a buffer in the APIC page returns -2"
    HC_BUF -16, 32, "console hypercall with a buffer that wraps around returns -2"
    HC_BUF 0x10000, -1, "console hypercall with length 2^64-1 returns -2"
    HC_BUF 0x10000, 4097, "console hypercall with length 4097 returns -2"
    mov eax, HC_TEST_RESULT
    xor ebx, ebx
    mov rcx, 0x7ffff0
    mov edx, 0x100
    vmcall
    cmp rax, -2
    CHECK e, "test-result hypercall with a message across the end of RAM returns -2"
    mov rax, (1 << 32) | HC_CONSOLE_WRITE
    mov ebx, 0x10000
    mov ecx, 1
    vmcall
    cmp rax, -1
    CHECK e, "hypercall 2^32 + 1 is not hypercall 1 in 64-bit mode: returns -1"
    mov rax, -1
    vmcall
    cmp rax, -1
    CHECK e, "hypercall 2^64 - 1 returns -1"
    TRAP_BEGIN 6
    USER_MODE
    mov eax, HC_EXIT
    xor ebx, ebx
    vmcall
    TRAP_END "VMCALL at CPL 3 raises #UD (even HC_EXIT)"
    EXIT 0

H64_LIB
