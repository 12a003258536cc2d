/* The ways a PC kernel resets the machine, and what a reset does to a
 * guest: it ends, saying which port asked for it, and its restart policy
 * (restart=, docs/guests.md) decides whether it starts again, as QEMU
 * restarts the machine (kernel/guests.c). guest_reset is the one place
 * that says what a reset is. */
#include "kernel/lib/fmt.h"
#include "vmx/dev/devices.h"

void guest_reset(struct guest *g, const char *why)
{
    guest_stop(g, "reset through %s", why);
}

static int reset_by(struct vcpu *v, const char *fmt, uint32_t val)
{
    char why[64];
    ksnprintf(why, sizeof(why), fmt, val);
    guest_reset(v->guest, why);
    return EXIT_STOP;
}

/* System control port A (QEMU hw/i386/port92.c): bit 1 is the A20 gate
 * (A20 is always on here: it only reads back), a rising bit 0 is a fast
 * reset. */
int port92_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)port, (void)size;
    struct pc_devices *pc = &v->guest->pc;
    if (in) {
        *val = pc->port92;
        return EXIT_NEXT_INSTRUCTION;
    }
    uint8_t old = pc->port92;
    pc->port92 = (uint8_t)*val;
    if ((*val & 1) && !(old & 1))
        return reset_by(v, "port 0x92 (wrote 0x%x)", *val);
    return EXIT_NEXT_INSTRUCTION;
}

/* The PIIX reset control register (QEMU hw/isa/piix.c rcr_write): bit 2
 * set resets; bit 1 (hard or soft reset) is kept and reads back. */
int reset_control_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)port, (void)size;
    struct pc_devices *pc = &v->guest->pc;
    if (in) {
        *val = pc->reset_control;
        return EXIT_NEXT_INSTRUCTION;
    }
    if (*val & 4)
        return reset_by(v, "port 0xcf9 (wrote 0x%x)", *val);
    pc->reset_control = *val & 2;
    return EXIT_NEXT_INSTRUCTION;
}

/* The 8042 keyboard controller, only as far as a reset and the polling
 * around it need (QEMU hw/input/pckbd.c): status 0x1c (self-test passed,
 * keylock open, both buffers empty, so "wait until the input buffer is
 * empty" and "drain the output buffer" loops end); commands 0xf0-0xff
 * pulse the output lines, and one with bit 0 clear pulses reset; command
 * 0xd1 writes the output port, whose bit 0 clear is a reset too. Port
 * 0x60 reads 0. The keyboard itself is not there. */
#define KBC_DATA          0x60
#define KBC_STATUS_IDLE   0x1c
#define KBC_WRITE_OUTPORT 0xd1

int kbc_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)size;
    struct pc_devices *pc = &v->guest->pc;
    if (port != KBC_DATA && port != KBC_COMMAND)
        return pio_no_device(v, port, size, in, val);
    if (in) {
        *val = port == KBC_COMMAND ? KBC_STATUS_IDLE : 0;
        return EXIT_NEXT_INSTRUCTION;
    }
    uint8_t b = (uint8_t)*val, cmd = pc->kbc_command;
    if (port == KBC_COMMAND) {
        pc->kbc_command = b;
        if (b >= 0xf0 && !(b & 1))
            return reset_by(v, "the keyboard controller (command 0x%x to port 0x64)", b);
        return EXIT_NEXT_INSTRUCTION;
    }
    pc->kbc_command = 0;
    if (cmd == KBC_WRITE_OUTPORT && !(b & 1))
        return reset_by(v, "the keyboard controller (output port 0x%x, port 0x60)", b);
    return EXIT_NEXT_INSTRUCTION;
}
