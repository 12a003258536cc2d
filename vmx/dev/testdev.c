/* Test devices: the exit port, like QEMU's isa-debug-exit (a write of N
 * ends the guest with status N; reads see 0), and an MMIO page with one
 * scratch register, for tests and the MMIO row of make bench. */
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

/* The scratch register: offset 0, 1 to 8 bytes, per guest; the rest of
 * the page reads 0 and drops writes. */
bool testdev_mmio(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val)
{
    uint64_t *scratch = &v->guest->test_scratch;
    uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
    if (offset != 0) {
        if (!write)
            *val = 0;
    } else if (write) {
        *scratch = (*scratch & ~mask) | (*val & mask);
    } else {
        *val = *scratch & mask;
    }
    return true;
}
