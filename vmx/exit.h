/* VM-exit handling: one const table indexed by basic exit reason
 * (vmx/exit_reasons.def), handlers grouped by family in vmx/exit_*.c. */
#ifndef KEEL_VMX_EXIT_H
#define KEEL_VMX_EXIT_H

#include "vmx/guest.h"

enum exit_action {
    EXIT_NEXT_INSTRUCTION,  /* done: resume after the exiting instruction */
    EXIT_RESUME,            /* resume at the same RIP (an event was injected) */
    EXIT_STOP,              /* leave the guest: it has ended, or this vCPU got INIT */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *v);

/* Dispatch the exit that just happened, whose reason (the VMCS field,
 * zero-extended) vmx/entry.asm has read: any exit, or a light one (exit.c). */
enum exit_action vmx_handle_exit(struct vcpu *v, uint64_t reason);
enum exit_action vmx_handle_light(struct vcpu *v, uint64_t reason);
__attribute__((noreturn)) void vmx_exit_reason_failed(void);
__attribute__((noreturn)) void vmx_fast_path_failed(uint32_t field);

/* The light exits (vmx/entry.asm saves only RAX, RBX, RCX, RDX, RSI, RDI
 * and R8-R11 for them): their handlers, and all they call, use no other
 * guest register. RBP and R12-R15 stay the guest's in the CPU's registers
 * (the C ABI keeps them) and reach the vCPU only when a request waits or
 * the handler stops, before the pre-entry step. So nothing that looks at
 * every register (the monitor's snapshot of its own CPU's vCPU, GDB,
 * instruction emulation, MOV to or from CR and DR) may run in one: the
 * console is polled in the pre-entry step (VCPU_REQ_CONSOLE). CPUID,
 * VMCALL, RDMSR and I/O have paths in entry.asm that fall back to this
 * way; I/O's calls the device's handler, which is as light. (The
 * interrupt and NMI windows are not light: they always ask for the
 * pre-entry step, which the full way reaches sooner.) All below 64: one
 * word, and entry.asm's table of paths. */
#define EXIT_LIGHT(name) (1ull << EXIT_REASON_##name)
#define EXIT_LIGHT_REASONS                                                                     \
    (EXIT_LIGHT(EXTERNAL_INTERRUPT) | EXIT_LIGHT(CPUID) | EXIT_LIGHT(VMCALL) |                \
     EXIT_LIGHT(IO_INSTRUCTION) |                                                              \
     EXIT_LIGHT(MSR_READ) | EXIT_LIGHT(MSR_WRITE) | EXIT_LIGHT(VIRTUALIZED_EOI) |              \
     EXIT_LIGHT(PREEMPTION_TIMER) | EXIT_LIGHT(XSETBV) | EXIT_LIGHT(APIC_WRITE))
_Static_assert(EXIT_REASON_APIC_WRITE < 64, "EXIT_LIGHT_REASONS is one 64-bit word");

/* SDM "Exit Qualification for I/O Instructions" (vmx/exit_io.c, and
 * entry.asm's I/O path): bits 2:0 the size less one (0, 1 or 3), the
 * direction, string, the port in bits 31:16. io_operand_mask: the
 * operand's bits of EAX by bits 2:0. */
#define IO_Q_SIZE(q)   (((q) & 7) + 1)
#define IO_Q_IN        (1u << 3)
#define IO_Q_STRING    (1u << 4)
#define IO_Q_PORT(q)   ((uint16_t)((q) >> 16))
extern const uint32_t io_operand_mask[8];

/* Decode a VM entry that did not happen (VMfail) or failed (exit with bit
 * 31 set), stop the guest with the reason by name. */
void vmx_entry_failed(struct vcpu *v, enum vmx_result fail);

const char *exit_reason_name(uint32_t reason);

/* RIP past the instruction (`len` bytes), and the STI / MOV SS shadow
 * over: the one place RIP advances (vmx_handle_exit, MMIO, HLT). */
void guest_skip_instruction(uint64_t len);

/* An access to a device's MMIO range at guest-physical `gpa` (vmx/mmio.c):
 * the instruction at RIP is decoded and carried out against the device. */
enum exit_action mmio_emulate(struct vcpu *v, uint64_t gpa, const struct mmio_range *r);

/* Dump the guest state by VMCS field name (an unexpected exit, a failed
 * entry). */
void vmcs_dump(const char *why);

/* Every field of the current VMCS into `img` (set[] false, value 0,
 * for one this CPU lacks: VMREAD failed). */
void vmcs_read_image(struct vmcs_image *img);

/* Event injection: vmx/event.h */
#include "vmx/event.h"

/* The handlers, named in vmx/exit_reasons.def */
#define EXIT_REASON(num, name, fn) enum exit_action fn(struct vcpu *v);
#include "vmx/exit_reasons.def"
#undef EXIT_REASON

/* The VMX-preemption timer counts only the guest's own time: a guest that
 * makes Keel do the work (a CPUID loop: a few of its instructions to a
 * hundred of Keel's) would outlive its budget many times over. So every
 * BUDGET_CHECK_EXITS exits the budget is checked against the TSC too (two
 * instructions an exit; a thousand exits take a millisecond or so). The
 * console is polled there too (kernel/console_input.h), for the same
 * reason: its poll on the timer's exits may come late. */
#define BUDGET_CHECK_EXITS 1024

/* Has the vCPU's time budget (time=) run out at `now`? Then the guest is
 * stopped, saying so, and the caller returns EXIT_STOP. */
bool budget_spent(struct vcpu *v, uint64_t now);

#endif
