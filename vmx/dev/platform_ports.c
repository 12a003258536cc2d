/* Ports kernels touch with nothing of interest behind them, answered as
 * QEMU's PC machine answers so that probes end quietly (without the
 * "no device" debug line per access):
 *  - 0x80, the POST code port, written for I/O delays: writes dropped,
 *    reads all ones (QEMU's ioport80).
 *  - PCI configuration mechanism 1: the address register 0xcf8 (a 32-bit
 *    write sets it, reads give it back) and the data window 0xcfc-0xcff,
 *    which reads all ones whatever the address, "no device", and drops
 *    writes. Kernels find PCI present and empty. */
#include "vmx/dev/devices.h"

int post_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)v, (void)port, (void)size;
    if (in)
        *val = 0xffffffffu;
    return EXIT_NEXT_INSTRUCTION;
}

int pci_config_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    uint32_t *addr = &v->guest->pc.pci_address;
    if (port == PCI_CONFIG_ADDRESS) {
        if (in)
            *val = *addr;
        else if (size == 4)
            *addr = *val;       /* narrower writes are not the address (QEMU) */
        return EXIT_NEXT_INSTRUCTION;
    }
    if (in)
        *val = 0xffffffffu;
    return EXIT_NEXT_INSTRUCTION;
}
