/* I/O instructions. Every port exits (the I/O bitmaps are all ones): a
 * guest reaches no real device. The range the guest's port index names
 * answers (vmx/guest.h; pio[0] is "no device"). */
#include "kernel/log.h"
#include "vmx/dev/devices.h"
#include "vmx/gpr.h"

/* The operand's bits by the size field (bits 2:0 are the size less one:
 * 0, 1 or 3). entry.asm's I/O path uses it too. */
const uint32_t io_operand_mask[8] = { 0xff, 0xffff, 0, 0xffffffff };

static __attribute__((noinline, cold)) enum exit_action string_io(struct vcpu *v, uint64_t q)
{
    guest_stop(v->guest, "string I/O (%s) on port 0x%x at RIP 0x%llx: not supported",
               q & IO_Q_IN ? "INS" : "OUTS", IO_Q_PORT(q), (unsigned long long)vmread(VMCS_GUEST_RIP));
    return EXIT_STOP;
}

/* IN writes AL/AX/EAX; a 32-bit IN clears RAX's upper half. Out of line,
 * so that OUT keeps nothing across the device's call. */
static __attribute__((noinline)) enum exit_action io_in(struct vcpu *v, uint64_t q,
                                                        const struct pio_range *r, uint32_t val)
{
    uint32_t mask = io_operand_mask[q & 7];
    enum exit_action act = (enum exit_action)r->io(v, IO_Q_PORT(q), IO_Q_SIZE(q), true, &val);
    v->regs.rax = mask == 0xffffffffu ? val : (v->regs.rax & ~(uint64_t)mask) | (val & mask);
    return act;
}

/* The device's *val holds the operand's bits of EAX in both directions
 * (IN replaces it), as on entry.asm's I/O path, which is this function
 * in assembly; this one answers when that path gives way (string I/O,
 * which stops the guest; a failed VMREAD, which vmread() here reports as
 * Keel's failure; the budget's turn). */
enum exit_action exit_io(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    if (q & IO_Q_STRING)
        return string_io(v, q);
    uint16_t port = IO_Q_PORT(q);
    const struct guest *g = v->guest;
    const struct pio_range *r = &g->pio[g->pio_index[port]];
    uint32_t val = (uint32_t)v->regs.rax & io_operand_mask[q & 7];
    if (q & IO_Q_IN)
        return io_in(v, q, r, val);
    return (enum exit_action)r->io(v, port, IO_Q_SIZE(q), false, &val);
}
