/* The ACPI PM block's arithmetic (acpi_pm.h): pure, unit-tested. */
#include "kernel/loader/acpi_build.h"
#include "vmx/dev/acpi_pm.h"

uint32_t acpi_pm_timer(uint64_t tsc, uint64_t hz)
{
    /* whole seconds, then the rest, as pit_ticks does: no overflow for
     * any TSC rate below 2^42 Hz */
    return (uint32_t)(tsc / hz * ACPI_PM_TMR_HZ + tsc % hz * ACPI_PM_TMR_HZ / hz);
}

bool acpi_pm_poweroff(uint16_t val)
{
    return (val & PM1_CNT_SLP_EN) && PM1_CNT_SLP_TYP(val) == 7;
}
