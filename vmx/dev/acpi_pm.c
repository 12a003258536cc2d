/* The ACPI PM block's ports (acpi_pm.h). */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "kernel/loader/acpi_build.h"
#include "vmx/dev/acpi_pm.h"
#include "vmx/dev/devices.h"

/* PM1_STS and PM1_EN read 0 and ignore writes (no fixed events are
 * raised); PM1_CNT reads SCI_EN (always in ACPI mode); the timer counts.
 * Writing SLP_EN with sleep type S5 powers the guest off: it exits with
 * status 0, as a machine that turned itself off. */
int acpi_pm_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)size;
    if (in) {
        if (port >= ACPI_PM_TMR_BLK && port < ACPI_PM_TMR_BLK + ACPI_PM_TMR_LEN)
            *val = acpi_pm_timer(rdtsc(), tsc_hz) >> (8 * (port - ACPI_PM_TMR_BLK));
        else if (port == ACPI_PM1A_CNT_BLK)
            *val = PM1_CNT_SCI_EN;
        else
            *val = 0;
        return EXIT_NEXT_INSTRUCTION;
    }
    if (port == ACPI_PM1A_CNT_BLK && acpi_pm_poweroff((uint16_t)*val)) {
        guest_exit(v->guest, 0, "ACPI power-off (S5): ");
        return EXIT_STOP;
    }
    return EXIT_NEXT_INSTRUCTION;
}
