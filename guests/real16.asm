; real16: a 16-bit real-mode guest (unrestricted guest): console through
; the virtual UART, segment arithmetic, a hypercall report, exit.
; module: name=real16 mode=real16
%include "guests/lib/guest.inc"

bits 16
org 0x8000

start:
    UART_PUTS "hello from a 16-bit real-mode guest"
    mov eax, cr0
    test al, 1
    CHECK z, "CR0.PE is 0: real mode"
    mov ax, 0x0900              ; segment 0x900 = linear 0x9000
    mov es, ax
    mov word [es:0x10], 0x1234
    xor ax, ax
    mov es, ax
    cmp word [0x9010], 0x1234
    CHECK e, "segment 0x900:0x10 is linear 0x9010"
    mov eax, 1
    cpuid
    test ecx, 1 << 5
    CHECK z, "CPUID.1:ECX.VMX is 0 in real mode too"

    ; Nothing of an earlier guest on this CPU (bochs-entry-check runs spin
    ; first): its LSTAR and CR2 must be gone.
    mov ecx, 0xc0000082
    rdmsr
    or eax, edx
    CHECK z, "LSTAR reads 0"
    mov eax, cr2
    test eax, eax
    CHECK z, "CR2 reads 0"

    ; A forbidden MSR raises #GP here too, delivered through the IVT
    ; (real mode has no error codes: Keel must not inject one).
    mov word [13 * 4], gp_handler
    mov word [13 * 4 + 2], 0
    mov byte [gp_seen], 0
    mov ecx, 0x3a
    xor eax, eax
    xor edx, edx
    wrmsr
    cmp byte [gp_seen], 1
    CHECK e, "WRMSR IA32_FEATURE_CONTROL raises #GP through the IVT"
    EXIT 0

gp_handler:
    mov byte [gp_seen], 1
    push bp
    mov bp, sp
    add word [bp + 2], 2        ; return past the 2-byte WRMSR
    pop bp
    iret
gp_seen: db 0
