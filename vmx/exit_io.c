/* I/O instructions. Every port exits (the I/O bitmaps are all ones): a
 * guest reaches no real device. The first range in the guest's device
 * table that holds the port answers (the last is "no device"). */
#include "kernel/log.h"
#include "vmx/dev/devices.h"
#include "vmx/gpr.h"

/* SDM "Exit Qualification for I/O Instructions" */
#define IO_Q_SIZE(q)   (((q) & 7) + 1)
#define IO_Q_IN        (1u << 3)
#define IO_Q_STRING    (1u << 4)
#define IO_Q_PORT(q)   ((uint16_t)((q) >> 16))

/* The operand's bits by the size field (bits 2:0 are the size less one:
 * 0, 1 or 3) */
static const uint32_t io_mask[8] = { 0xff, 0xffff, 0, 0xffffffff };

static __attribute__((noinline, cold)) enum exit_action string_io(struct vcpu *v, uint64_t q)
{
    guest_stop(v->guest, "string I/O (%s) on port 0x%x at RIP 0x%llx: not supported",
               q & IO_Q_IN ? "INS" : "OUTS", IO_Q_PORT(q), (unsigned long long)vmread(VMCS_GUEST_RIP));
    return EXIT_STOP;
}

/* IN writes AL/AX/EAX; a 32-bit IN clears RAX's upper half. Out of line,
 * so that OUT keeps nothing across the device's call. */
static __attribute__((noinline)) enum exit_action io_in(struct vcpu *v, uint64_t q,
                                                        const struct pio_range *r)
{
    uint32_t val = 0, mask = io_mask[q & 7];
    enum exit_action act = (enum exit_action)r->io(v, IO_Q_PORT(q), IO_Q_SIZE(q), true, &val);
    v->regs.rax = mask == 0xffffffffu ? val : (v->regs.rax & ~(uint64_t)mask) | (val & mask);
    return act;
}

enum exit_action exit_io(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    if (q & IO_Q_STRING)
        return string_io(v, q);
    uint16_t port = IO_Q_PORT(q);
    const struct pio_range *r = v->guest->pio;
    while ((uint16_t)(port - r->first) > r->span)
        r++;                    /* the last range holds every port */
    if (q & IO_Q_IN)
        return io_in(v, q, r);
    uint32_t val = (uint32_t)v->regs.rax & io_mask[q & 7];
    return (enum exit_action)r->io(v, port, IO_Q_SIZE(q), false, &val);
}
