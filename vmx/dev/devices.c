/* The devices every guest gets, registered in its device table. */
#include "kernel/frame.h"
#include "kernel/log.h"
#include "vmx/dev/devices.h"
#include "vmx/vapic.h"

int pio_no_device(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    if (in)
        *val = 0xffffffffu;
    log_debug("guest %s: %s port 0x%x (%u bytes): no device", v->guest->cfg.name,
              in ? "read of" : "write to", port, size);
    return EXIT_NEXT_INSTRUCTION;
}

void devices_create(struct guest *g)
{
    guest_add_pio(g, VUART_COM1, VUART_COM1 + 7, vuart_io);
    guest_add_pio(g, TESTDEV_EXIT_PORT, TESTDEV_EXIT_PORT, testdev_io);
    guest_add_mmio(g, VAPIC_MMIO_BASE, FRAME_SIZE, vapic_mmio);
    guest_add_mmio(g, TESTDEV_MMIO_BASE, FRAME_SIZE, testdev_mmio);
}
