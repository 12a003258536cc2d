/* The emulators' exit ports, so that a kernel written to end its own test
 * run under QEMU or Bochs ends its guest the same way:
 *  - QEMU's isa-debug-exit (-device isa-debug-exit,iobase=0xf4,iosize=4,
 *    as Keel's own scripts use it): a write of N, 8 to 32 bits, ends the
 *    guest with status (N << 1) | 1, as QEMU's exit status would be
 *    (QEMU's is that value's low 8 bits; Keel reports all 32); reads 0.
 *  - Bochs' shutdown port 0x8900: the bytes of "Shutdown", in order, end
 *    the guest with status 0. */
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"
#include "vmx/dev/devices.h"

int debugexit_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)port, (void)size;
    if (in) {
        *val = 0;
        return EXIT_NEXT_INSTRUCTION;
    }
    char via[40];
    ksnprintf(via, sizeof(via), "isa-debug-exit: wrote 0x%x: ", *val);
    guest_exit(v->guest, *val << 1 | 1, via);
    return EXIT_STOP;
}

/* Bochs' own rule (iodev/unmapped.cc): the next letter of "Shutdown"
 * moves on, another of its letters changes nothing, anything else starts
 * again. */
int bochs_shutdown_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    static const char word[] = "Shutdown";
    (void)port, (void)size;
    if (in) {
        *val = 0xffffffffu;     /* Bochs: write-only */
        return EXIT_NEXT_INSTRUCTION;
    }
    struct guest *g = v->guest;
    char c = (char)*val;
    unsigned pos = g->pc.bochs_shutdown;
    if (pos < sizeof(word) - 1 && c == word[pos])
        pos++;
    else if (!c || !strchr(word, c))
        pos = 0;
    g->pc.bochs_shutdown = (uint8_t)pos;
    if (pos < sizeof(word) - 1)
        return EXIT_NEXT_INSTRUCTION;
    guest_exit(g, 0, "Bochs shutdown port 0x8900: ");
    return EXIT_STOP;
}
