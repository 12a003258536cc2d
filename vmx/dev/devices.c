/* The devices every guest gets, registered in its device table, and the
 * state they start from. */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "kernel/frame.h"
#include "kernel/log.h"
#include "kernel/loader/acpi_build.h"
#include "vmx/dev/devices.h"
#include "vmx/dev/irq.h"
#include "vmx/vapic.h"

int pio_no_device(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    if (in)
        *val = 0xffffffffu;
    log_debug("guest %s: %s port 0x%x (%u bytes): no device", v->guest->cfg.name,
              in ? "read of" : "write to", port, size);
    return EXIT_NEXT_INSTRUCTION;
}

int pio_bytes(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val,
              uint16_t first, uint16_t last, pio_byte_fn byte)
{
    uint32_t got = 0;
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        uint8_t b = 0xff;
        if (p >= first && p <= last)
            b = byte(v->guest, p, in, (uint8_t)(*val >> (8 * i)));
        got |= (uint32_t)b << (8 * i);
    }
    if (in)
        *val = got;
    return EXIT_NEXT_INSTRUCTION;
}

/* As QEMU's PC machine has them when its firmware hands over to a
 * -kernel (each device's reset says how). */
static void pc_devices_reset(struct pc_devices *pc)
{
    vuart_reset(&pc->com1);
    vpic_reset(&pc->pic);
    vpit_reset(&pc->pit, pit_ticks(rdtsc(), tsc_hz));
    pc->fw_cfg = (struct fw_cfg){ 0 };
    acpi_pm1_reset(&pc->pm1);
    vhpet_reset(&pc->hpet);
    pc->pci_address = 0;
    pc->reset_control = 0;
    pc->port92 = 0x02;          /* A20 on, as the BIOS leaves it */
    pc->kbc_command = 0;
    pc->bochs_shutdown = 0;
}

_Static_assert(ACPI_BUILD_HPET_ID == HPET_ID_LOW && ACPI_BUILD_HPET_ADDR == HPET_MMIO_BASE,
               "the HPET table describes vmx/dev/hpet.h's HPET");
_Static_assert(ACPI_BUILD_RTC_PORT == RTC_PORT && ACPI_BUILD_RTC_IRQ == RTC_IRQ &&
                   ACPI_BUILD_RTC_CENTURY == RTC_CENTURY,
               "the DSDT and the FADT describe vmx/dev/rtc.h's RTC");

bool devices_acpi_platform(const struct guest *g)
{
    return g->image_kind == GUEST_IMAGE_LINUX;
}

void devices_reset(struct guest *g)
{
    pc_devices_reset(&g->pc);
    /* the RTC starts from the host's time (only where the guest has one:
     * reading the host's RTC takes a while) */
    vrtc_reset(&g->pc.rtc, devices_acpi_platform(g) ? host_rtc_seconds() : 0,
               rtc_ticks(rdtsc(), tsc_hz));
    irq_reset(g);
    g->test_scratch = 0;
}

/* The port table is searched in this order: the COM1 transmit path
 * (make bench measures it) first, then the ports kernels poll. */
void devices_create(struct guest *g)
{
    devices_reset(g);
    guest_add_pio(g, VUART_COM1, VUART_COM1 + 7, vuart_io);
    guest_add_pio(g, DEBUGEXIT_PORT, DEBUGEXIT_PORT + 3, debugexit_io);
    guest_add_pio(g, PIT_PORT, PIT_PORT + 3, pit_io);
    guest_add_pio(g, PORT_61, PORT_61, port61_io);
    guest_add_pio(g, POST_PORT, POST_PORT, post_io);
    guest_add_pio(g, FW_CFG_PORT_SEL, FW_CFG_PORT_DATA, fw_cfg_io);
    guest_add_pio(g, PIC_MASTER, PIC_MASTER + 1, pic_io);
    guest_add_pio(g, PIC_SLAVE, PIC_SLAVE + 1, pic_io);
    guest_add_pio(g, PCI_RESET_CONTROL, PCI_RESET_CONTROL, reset_control_io);
    guest_add_pio(g, PCI_CONFIG_ADDRESS, PCI_CONFIG_ADDRESS + 7, pci_config_io);
    guest_add_pio(g, 0x60, KBC_COMMAND, kbc_io);     /* after 0x61 */
    guest_add_pio(g, PORT_92, PORT_92, port92_io);
    guest_add_pio(g, BOCHS_SHUTDOWN_PORT, BOCHS_SHUTDOWN_PORT, bochs_shutdown_io);
    guest_add_pio(g, ACPI_PM_BASE, ACPI_PM_TMR_BLK + ACPI_PM_TMR_LEN - 1, acpi_pm_io);
    guest_add_mmio(g, VAPIC_MMIO_BASE, FRAME_SIZE, vapic_mmio);
    guest_add_mmio(g, TESTDEV_MMIO_BASE, FRAME_SIZE, testdev_mmio);
    guest_add_mmio(g, IOAPIC_MMIO_BASE, IOAPIC_MMIO_SIZE, ioapic_mmio);   /* after the two make bench measures */
    if (devices_acpi_platform(g)) {
        guest_add_pio(g, RTC_PORT, RTC_PORT + 1, rtc_io);
        guest_add_mmio(g, HPET_MMIO_BASE, FRAME_SIZE, hpet_mmio);
    }
}
