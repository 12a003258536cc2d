; hostile-p32: attacks that need 32-bit protected mode (docs/security.md,
; tests/integration/hostile-cpu.test): the four ways to switch tasks
; (JMP and CALL to a TSS, INT through a task gate, IRET with NT), which
; always exit and which Keel does not emulate: each must stop the guest
; with the task-switch exit named, never run a task; and PAE paging with
; page-directory-pointer entries outside RAM or with reserved bits, loaded
; by the CPU (through EPT: stopped) or by Keel's CR0 emulation (#GP); and
; an #AC delivery loop (entry 0x8060, hostile-holes-ac.test).
; entry=0x8000 + 16 * N.
; module: name=p32 mode=prot32
%include "guests/lib/guest.inc"

bits 32
org 0x8000

    ATTACK jmp_tss              ; 0x8000
    ATTACK call_tss             ; 0x8010
    ATTACK int_task_gate        ; 0x8020
    ATTACK iret_nt              ; 0x8030
    ATTACK pae_outside          ; 0x8040
    ATTACK pae_emulated         ; 0x8050
    ATTACK ac_loop              ; 0x8060

SEL_CODE  equ 0x08
SEL_DATA  equ 0x10
SEL_TSS_A equ 0x18              ; the running task
SEL_TSS_B equ 0x20              ; the one the attacks switch to

setup:
    lgdt [gdtr]
    jmp SEL_CODE:.cs
.cs:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov ax, SEL_TSS_A
    ltr ax
    lidt [idtr]
    ret

%macro TASK_SWITCH_ATTACK 2
    call setup
    UART_PUTS %1
    %2
    FAIL("the task switch returned")
    EXIT 1
%endmacro

jmp_tss:
    TASK_SWITCH_ATTACK "far JMP to a TSS", {jmp SEL_TSS_B:0}
call_tss:
    TASK_SWITCH_ATTACK "far CALL to a TSS", {call SEL_TSS_B:0}
int_task_gate:
    TASK_SWITCH_ATTACK "INT 0x40 through a task gate", {int 0x40}
iret_nt:
    call setup
    UART_PUTS "IRET with NT set, back link to another TSS"
    mov word [tss_a], SEL_TSS_B         ; the back link
    mov byte [gdt + SEL_TSS_B + 5], 0x8b    ; busy, as a task returned to is
    pushfd
    or dword [esp], 1 << 14             ; NT
    popfd
    iretd
    FAIL("the task switch returned")
    EXIT 1

; PAE: the PDPTEs come from CR3 when MOV to CR0 turns paging on. The CPU
; loads them itself (CR0.PG is the guest's), through EPT; Keel loads them
; when it emulates the MOV (one that changes CD, which is Keel's).
PAE_TABLE equ 0x20000

%macro PAGING_ON 1                      ; PAGING_ON extra CR0 bits
    mov eax, cr0
    or eax, (1 << 31) | %1
    mov cr0, eax
%endmacro

pae_outside:                            ; the CPU's load: an EPT violation
    call setup
    UART_PUTS "PAE paging on, CR3 0x40000000 (outside RAM)"
    mov eax, cr4
    or eax, 1 << 5
    mov cr4, eax
    mov eax, 0x40000000
    mov cr3, eax
    PAGING_ON 0
    FAIL("paging with PDPTEs outside RAM went on")
    EXIT 1

pae_emulated:                           ; Keel's load
    call setup
    mov eax, cr4
    or eax, 1 << 5
    mov cr4, eax
    mov eax, 0x40000000
    mov cr3, eax
    mov dword [resume], .next
    mov dword [gp_seen], 0
    PAGING_ON 1 << 30                   ; with CD: Keel emulates it
    mov dword [gp_seen], 2
.next:
    cmp dword [gp_seen], 1
    CHECK e, "MOV to CR0 (PG and CD, emulated) with CR3 outside RAM raises #GP"
    mov eax, PAE_TABLE + 0x1fe0
    mov dword [eax], 0x21000 | 1 | (1 << 1) ; present, reserved bit 1
    mov dword [eax + 4], 0
    mov cr3, eax
    mov dword [resume], .next2
    mov dword [gp_seen], 0
    PAGING_ON 1 << 30
    mov dword [gp_seen], 2
.next2:
    cmp dword [gp_seen], 1
    CHECK e, "MOV to CR0 (PG and CD, emulated) with a reserved PDPTE bit raises #GP"
    mov eax, 0x1fffe0                   ; the last 32 bytes of its 2 MiB
    mov cr3, eax
    mov dword [0x1fffe0], 0x40000000 | 1    ; a page directory outside RAM
    mov dword [resume], .next3
    UART_PUTS "PAE paging on with a page directory at 0x40000000 (outside RAM)"
    PAGING_ON 1 << 30                   ; the PDPTEs are fine: paging on,
    FAIL("the walk through a page directory outside RAM returned") ; the next
    EXIT 1                              ; fetch walks the PD: EPT violation
.next3:
    FAIL("MOV to CR0 with good PDPTEs raised #GP")
    EXIT 1

; An #AC delivery loop (CVE-2015-5307): at CPL 3 with CR0.AM and EFLAGS.AC,
; a misaligned access raises #AC, whose handler is at CPL 3 too (a DPL 3
; code segment: no stack switch), so its frame goes onto the misaligned
; stack and raises #AC again, for ever. Keel must not hang; with time=,
; the budget stops it (hostile-holes-ac.test).
SEL_UCODE equ 0x2b
SEL_UDATA equ 0x33
ac_loop:
    call setup
    mov dword [idt + 17 * 8], (SEL_UCODE << 16) | ((ac_handler - $$ + 0x8000) & 0xffff)
    mov dword [idt + 17 * 8 + 4], 0xee00        ; present, DPL 3, interrupt gate
    mov eax, cr0
    or eax, 1 << 18                             ; AM
    mov cr0, eax
    UART_PUTS "#AC at CPL 3 with its handler at CPL 3 and a misaligned stack"
    push SEL_UDATA
    push 0x7001                                 ; misaligned ESP
    push (1 << 18) | 2                          ; EFLAGS.AC
    push SEL_UCODE
    push .user
    iretd
.user:
    mov eax, [0x1001]                           ; misaligned: #AC
    jmp .user
ac_handler:
    jmp ac_handler                              ; never reached with a frame

gp_handler:
    mov dword [gp_seen], 1
    add esp, 4                          ; the error code
    push eax
    mov eax, [resume]
    mov [esp + 4], eax
    pop eax
    iretd

align 8
gdt:
    dq 0
    dq 0x00cf9b000000ffff               ; 0x08 code
    dq 0x00cf93000000ffff               ; 0x10 data
    dw 0x67, tss_a - $$ + 0x8000, 0x8900, 0     ; 0x18 TSS A (base < 64 KiB)
    dw 0x67, tss_b - $$ + 0x8000, 0x8900, 0     ; 0x20 TSS B
    dq 0x00cffb000000ffff               ; 0x28 user code (0x2b)
    dq 0x00cff3000000ffff               ; 0x30 user data (0x33)
gdtr:
    dw 7 * 8 - 1
    dd gdt
align 8
idt:
    times 13 dq 0
    dw gp_handler - $$ + 0x8000, SEL_CODE, 0x8e00, 0    ; 13: #GP
    times 0x40 - 14 dq 0
    dw 0, SEL_TSS_B, 0x8500, 0          ; 0x40: task gate
idtr:
    dw 0x41 * 8 - 1
    dd idt
align 16
tss_a: times 0x68 db 0
tss_b:
    dd 0                                ; back link
    dd 0x7000, SEL_DATA                 ; ESP0, SS0
    times 4 dd 0
    dd 0                                ; CR3
    dd 0x8000                           ; EIP: the image's start
    dd 2                                ; EFLAGS
    times 4 dd 0                        ; EAX-EBX
    dd 0x7000, 0, 0, 0                  ; ESP, EBP, ESI, EDI
    dd SEL_DATA, SEL_CODE, SEL_DATA, SEL_DATA, SEL_DATA, SEL_DATA, 0
    dd 0x00680000                       ; I/O map base
resume:  dd 0
gp_seen: dd 0
