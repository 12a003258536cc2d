/* The test exit port, like QEMU's isa-debug-exit: a write of N ends the
 * guest with status N; reads see 0. */
#include "kernel/lib/fmt.h"
#include "vmx/dev/devices.h"

int testdev_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)size;
    if (in) {
        *val = 0;
        return EXIT_NEXT_INSTRUCTION;
    }
    char via[24];
    ksnprintf(via, sizeof(via), "exit port 0x%x: ", port);
    guest_exit(v->guest, *val, via);
    return EXIT_STOP;
}
