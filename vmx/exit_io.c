/* I/O instructions. Every port exits (the I/O bitmaps are all ones): a
 * guest reaches no real device. Device models answer their ports; other
 * reads see all ones (nothing there), other writes are dropped. */
#include "kernel/log.h"
#include "vmx/devices.h"
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
    enum exit_action act = EXIT_NEXT_INSTRUCTION;
    if (!vuart_io(v->guest, port, in, &val) && !testdev_io(v, port, in, &val, &act)) {
        if (in)
            val = 0xffffffffu;
        log_debug("guest %s: %s port 0x%x (%u bytes): no device", v->guest->cfg.name,
                  in ? "read of" : "write to", port, size);
    }
    if (in)     /* IN writes AL/AX/EAX; a 32-bit IN clears RAX's upper half */
        v->regs.rax = size == 4 ? (val & mask) : (v->regs.rax & ~(uint64_t)mask) | (val & mask);
    return act;
}
