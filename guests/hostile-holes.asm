; hostile-holes: attacks on holes known to be open in Keel when this suite
; was written (issue 14, docs/security.md), each checked for what the SDM
; (or, for the budget, docs/guests.md) says must happen, so that each
; fails until its fix lands. entry=0x8000 + 16 * N:
;  0 osxsave     CPUID.1:ECX.OSXSAVE must follow the guest's CR4.OSXSAVE
;                (today: the host's bit)
;  1 dr-high     MOV to DR6 or DR7 with bits 63:32 set: #GP (today: DR6
;                takes it)
;  2 dr-cpl3     MOV to or from a debug register at CPL 3: #GP (today:
;                emulated when the CPU exits before its CPL check, as
;                Bochs does)
;  3 cr0-pg      clearing CR0.PG in 64-bit code, in a MOV that Keel
;                emulates (it changes CD too): #GP (today: a failed VM
;                entry stops the guest)
;  4 xsetbv-cpl3 XSETBV at CPL 3: #GP (found by this suite: Keel executes
;                it when the CPU exits first, as Bochs does)
;  5 dr45-de     MOV DR4/DR5 with CR4.DE set: #UD (found by this suite:
;                Keel reads them as DR6/DR7 when the CPU exits first)
;  6 cpuid-flood 7 console-flood 8 wbinvd-flood: exits as fast as it can,
;                with time=1: stopped by its budget within about 1 s (today
;                the budget does not count time in Keel: each gives up by
;                itself after 2 s, measured against the PIT, with a FAIL)
;  9 db-loop     a data breakpoint on its own #DB frame (CVE-2015-8104):
;                Keel must not hang; with time=, stopped by the budget
; module: name=holes mode=long64
%include "guests/lib/guest.inc"
%include "guests/hostile/lib.inc"

bits 64
org 0x8000

    ATTACK osxsave              ; 0x8000
    ATTACK dr_high              ; 0x8010
    ATTACK dr_cpl3              ; 0x8020
    ATTACK cr0_pg               ; 0x8030
    ATTACK xsetbv_cpl3          ; 0x8040
    ATTACK dr45_de              ; 0x8050
    ATTACK cpuid_flood          ; 0x8060
    ATTACK console_flood        ; 0x8070
    ATTACK wbinvd_flood         ; 0x8080
    ATTACK db_loop              ; 0x8090

osxsave:
    H64_SETUP
    mov eax, 1
    cpuid
    bt ecx, 27
    CHECK nc, "CPUID.1:ECX.OSXSAVE reads 0 while CR4.OSXSAVE is clear"
    mov rax, cr4
    or eax, 1 << 18
    mov cr4, rax
    mov eax, 1
    cpuid
    bt ecx, 27
    CHECK c, "CPUID.1:ECX.OSXSAVE reads 1 once CR4.OSXSAVE is set"
    EXIT 0

dr_high:
    H64_SETUP
    TRAP_BEGIN 13
    mov rax, (1 << 32) | 0xffff0ff0
    mov dr6, rax
    TRAP_END "MOV to DR6 with bit 32 raises #GP"
    TRAP_BEGIN 13
    mov rax, (1 << 32) | 0x400
    mov dr7, rax
    TRAP_END "MOV to DR7 with bit 32 raises #GP"
    EXIT 0

dr_cpl3:
    H64_SETUP
    TRAP_BEGIN 13
    USER_MODE
    mov rax, dr0
    TRAP_END "MOV from DR0 at CPL 3 raises #GP"
    TRAP_BEGIN 13
    USER_MODE
    mov rax, dr6
    TRAP_END "MOV from DR6 at CPL 3 raises #GP"
    TRAP_BEGIN 13
    USER_MODE
    xor eax, eax
    mov dr7, rax
    TRAP_END "MOV to DR7 at CPL 3 raises #GP"
    EXIT 0

cr0_pg:
    H64_SETUP
    TRAP_BEGIN 13
    mov rax, cr0
    btr rax, 31
    bts rax, 30                 ; and CD: a bit Keel owns, so the MOV exits
    mov cr0, rax
    TRAP_END "MOV to CR0 clearing PG (and setting CD) in 64-bit mode raises #GP"
    mov rax, cr0
    bt rax, 31
    CHECK c, "paging still on after the refused MOV to CR0"
    EXIT 0

xsetbv_cpl3:
    H64_SETUP
    mov rax, cr4
    or eax, 1 << 18
    mov cr4, rax
    xor ecx, ecx
    mov eax, 7
    xor edx, edx
    xsetbv
    TRAP_BEGIN 13
    USER_MODE
    xor ecx, ecx
    mov eax, 3
    xor edx, edx
    xsetbv
    TRAP_END "XSETBV at CPL 3 raises #GP"
    xor ecx, ecx
    xgetbv
    cmp eax, 7
    CHECK e, "XCR0 unchanged by XSETBV at CPL 3"
    EXIT 0

dr45_de:
    H64_SETUP
    mov rax, cr4
    or eax, 1 << 3
    mov cr4, rax
    TRAP_BEGIN 6
    mov rax, dr4
    TRAP_END "MOV from DR4 with CR4.DE raises #UD"
    TRAP_BEGIN 6
    mov dr5, rax
    TRAP_END "MOV to DR5 with CR4.DE raises #UD"
    EXIT 0

; rax = the TSC at which 2 s have passed, measured against PIT channel 2
; (65535 PIT ticks, 54.9 ms)
two_seconds:
    in al, 0x61
    and al, 0xfc
    out 0x61, al
    mov al, 0xb0                ; channel 2, lobyte/hibyte, mode 0
    out 0x43, al
    mov al, 0xff
    out 0x42, al
    out 0x42, al
    in al, 0x61
    or al, 1                    ; gate on: it counts
    out 0x61, al
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov rbx, rax
.poll:
    in al, 0x61
    test al, 0x20               ; OUT2: the count ran out
    jz .poll
    rdtsc
    shl rdx, 32
    or rax, rdx
    sub rax, rbx                ; TSC ticks in 65535 PIT ticks
    mov ecx, 2 * 1193182
    mul rcx
    mov ecx, 65535
    div rcx
    add rax, rbx
    ret

%macro FLOOD 2                  ; FLOOD routine (one exit), "what"
    H64_SETUP
    call two_seconds
    mov r12, rax
%%again:
    call %1
    rdtsc
    shl rdx, 32
    or rax, rdx
    cmp rax, r12
    jb %%again
    FAIL(%2)
    EXIT 1
%endmacro

cpuid_flood:
    FLOOD one_cpuid, "a CPUID flood ran 2 s past its 1 s budget"
console_flood:
    FLOOD one_line, "a console flood ran 2 s past its 1 s budget"
wbinvd_flood:
    FLOOD one_wbinvd, "a WBINVD flood ran 2 s past its 1 s budget"

one_cpuid:
    xor eax, eax
    cpuid
    ret
one_line:
    mov eax, HC_CONSOLE_WRITE
    lea rbx, [rel flood_line]
    mov ecx, flood_len
    vmcall
    ret
one_wbinvd:
    wbinvd
    ret

flood_line: db "flood", 10
flood_len equ $ - flood_line

; A #DB whose delivery writes its frame onto a data breakpoint: through
; IST 1 every delivery pushes the same frame, from 0x20 down, its CS
; slot at 0, where DR0 (0, the CPU's own DR0 too while Keel does not load
; the guest's) watches writes; the RIP slot at -8 is mapped, to the top
; of its RAM. INT1 starts it; every delivery raises the next #DB.
db_loop:
    H64_SETUP
    mov qword [H_PML4 + 511 * 8], 0x27000 | 7
    mov qword [0x27000 + 511 * 8], 0x28000 | 7
    mov qword [0x28000 + 511 * 8], H_PT_FLAGS   ; the top 2 MiB -> 0
    mov rax, cr3
    mov cr3, rax
    mov qword [rel h_tss + 0x24], 0x20          ; IST1
    mov byte [rel h_idt + 16 * 1 + 4], 1        ; #DB through IST1
    xor eax, eax
    mov dr0, rax
    mov eax, 1 | (1 << 16) | (2 << 18)          ; L0, writes, 8 bytes
    mov dr7, rax
    UART_PUTS "INT1 with a write breakpoint on its own #DB frame"
    TRAP_BEGIN 1
    db 0xf1
    TRAP_END "the #DB frame's breakpoint did not loop (DR0 not the guest's?)"
    EXIT 0

H64_LIB
