/* The test MMIO page: one scratch register, for tests and the MMIO row
 * of make bench. (The exit port that was here is QEMU's isa-debug-exit
 * now: vmx/dev/debugexit.c.) */
#include "vmx/dev/devices.h"

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
