/* The ACPI PM block's ports (acpi_pm.h). */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "kernel/loader/acpi_build.h"
#include "vmx/dev/acpi_pm.h"
#include "vmx/dev/devices.h"

/* The PM1 registers byte by byte (an OS reads and writes them as 16-bit
 * words); the timer counts, read in any width. Writing SLP_EN with sleep
 * type S5 powers the guest off: it exits with status 0, as a machine that
 * turned itself off. */
int acpi_pm_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    struct acpi_pm1 *pm1 = &v->guest->pc.pm1;
    if (in) {
        uint32_t got = 0;
        for (unsigned i = 0; i < size; i++) {
            unsigned p = port + i;
            uint8_t b = 0xff;
            if (p >= ACPI_PM_TMR_BLK && p < ACPI_PM_TMR_BLK + ACPI_PM_TMR_LEN)
                b = (uint8_t)(acpi_pm_timer(rdtsc(), tsc_hz) >> (8 * (p - ACPI_PM_TMR_BLK)));
            else if (p >= ACPI_PM1A_EVT_BLK && p < ACPI_PM1A_CNT_BLK + ACPI_PM1_CNT_LEN)
                b = acpi_pm1_read(pm1, p - ACPI_PM1A_EVT_BLK);
            got |= (uint32_t)b << (8 * i);
        }
        *val = got;
        return EXIT_NEXT_INSTRUCTION;
    }
    bool off = false;
    for (unsigned i = 0; i < size; i++) {
        unsigned p = port + i;
        if (p >= ACPI_PM1A_EVT_BLK && p < ACPI_PM1A_CNT_BLK + ACPI_PM1_CNT_LEN)
            off |= acpi_pm1_write(pm1, p - ACPI_PM1A_EVT_BLK, (uint8_t)(*val >> (8 * i)));
    }
    if (off) {
        guest_exit(v->guest, 0, "ACPI power-off (S5): ");
        return EXIT_STOP;
    }
    return EXIT_NEXT_INSTRUCTION;
}
