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

enum exit_action exit_io(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    uint16_t port = IO_Q_PORT(q);
    unsigned size = IO_Q_SIZE(q);
    bool in = q & IO_Q_IN;
    if (q & IO_Q_STRING) {
        guest_stop(v->guest, "string I/O (%s) on port 0x%x at RIP 0x%llx: not supported",
                   in ? "INS" : "OUTS", port, (unsigned long long)vmread(VMCS_GUEST_RIP));
        return EXIT_STOP;
    }
    uint32_t mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    uint32_t val = in ? 0 : (uint32_t)v->regs.rax & mask;
    const struct pio_range *r = v->guest->pio;
    while ((uint16_t)(port - r->first) > r->span)
        r++;                    /* the last range holds every port */
    enum exit_action act = (enum exit_action)r->io(v, port, size, in, &val);
    if (in)     /* IN writes AL/AX/EAX; a 32-bit IN clears RAX's upper half */
        v->regs.rax = size == 4 ? (val & mask) : (v->regs.rax & ~(uint64_t)mask) | (val & mask);
    return act;
}
