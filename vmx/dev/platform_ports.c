/* Ports kernels touch with nothing of interest behind them, answered as
 * QEMU's PC machine answers so that probes end quietly (without the
 * "no device" debug line per access):
 *  - 0x80, the POST code port, written for I/O delays: writes dropped,
 *    reads all ones (QEMU's ioport80).
 *  - PCI configuration mechanism 1: the address register 0xcf8 (a 32-bit
 *    write sets it, reads give it back) and the data window 0xcfc-0xcff.
 *    Bus 0 holds one device, a host bridge at 00:00.0 (Intel 440FX, as on
 *    QEMU's PC machine: class 06 00 00, no BARs, nothing writable), so a
 *    kernel's sanity check of the mechanism passes (Linux's
 *    pci_sanity_check looks for a host bridge; without one it logs "PCI:
 *    Fatal: No config space access function found") and its scan finds
 *    nothing else. Every other address reads all ones, "no device";
 *    writes are dropped. */
#include "vmx/dev/devices.h"

#define PCI_ENABLE        (1u << 31)
#define PCI_BDF_MASK      0x00ffff00u  /* bus, device, function */
#define PCI_REG_MASK      0xfcu

/* 00:00.0: vendor 8086, device 1237 (440FX), revision 02, class 060000 */
static const uint32_t host_bridge[] = {
    [0x00 / 4] = 0x12378086u,
    [0x08 / 4] = 0x06000002u,
};

uint32_t pci_config_dword(uint32_t address)
{
    if (!(address & PCI_ENABLE) || (address & PCI_BDF_MASK))
        return 0xffffffffu;
    unsigned reg = (address & PCI_REG_MASK) / 4;
    return reg < sizeof(host_bridge) / sizeof(host_bridge[0]) ? host_bridge[reg] : 0;
}

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
    if (in)     /* the bytes of the dword from the port's offset on */
        *val = pci_config_dword(*addr) >> ((port - PCI_CONFIG_DATA) * 8);
    return EXIT_NEXT_INSTRUCTION;
}
