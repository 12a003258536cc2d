// unit: vmx/dev/acpi_pm_regs.c
#include "vmx/dev/acpi_pm.h"
#include "kernel/loader/acpi_build.h"
#include "unit.h"

TEST(pm_timer_counts_at_3_579545_mhz)
{
    const uint64_t hz = 100000000;              /* Bochs' TSC */
    CHECK_EQ(acpi_pm_timer(0, hz), 0);
    CHECK_EQ(acpi_pm_timer(hz, hz), ACPI_PM_TMR_HZ);          /* one second */
    CHECK_EQ(acpi_pm_timer(hz / 1000, hz), 3579);             /* a millisecond */
    /* exact over long times: an hour at 3.5 GHz, wrapping at 32 bits */
    const uint64_t fast = 3500000000ull;
    CHECK_EQ(acpi_pm_timer(3600 * fast, fast), (uint32_t)(3600ull * ACPI_PM_TMR_HZ));
}

TEST(s5_is_power_off)
{
    CHECK(acpi_pm_poweroff(PM1_CNT_SLP_EN | 7 << 10 | PM1_CNT_SCI_EN));
    CHECK(!acpi_pm_poweroff(7 << 10));                        /* no SLP_EN */
    CHECK(!acpi_pm_poweroff(PM1_CNT_SLP_EN | 5 << 10));       /* another sleep type */
}
