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

void acpi_pm1_reset(struct acpi_pm1 *p)
{
    *p = (struct acpi_pm1){ .cnt = PM1_CNT_SCI_EN };
}

uint8_t acpi_pm1_read(const struct acpi_pm1 *p, unsigned off)
{
    uint16_t reg = off < 2 ? p->sts : off < 4 ? p->en : off < 6 ? p->cnt : 0xffff;
    return (uint8_t)(reg >> (8 * (off & 1)));
}

static void set_byte(uint16_t *reg, unsigned off, uint8_t val)
{
    unsigned shift = 8 * (off & 1);
    *reg = (uint16_t)((*reg & ~(0xffu << shift)) | (unsigned)val << shift);
}

bool acpi_pm1_write(struct acpi_pm1 *p, unsigned off, uint8_t val)
{
    switch (off) {
    case 0:
    case 1:     /* write 1 to clear */
        p->sts &= (uint16_t)~((unsigned)val << (8 * off));
        return false;
    case 2:
    case 3:
        set_byte(&p->en, off, val);
        p->en &= PM1_EN_BITS;
        return false;
    case 4:
    case 5: {
        uint16_t cnt = p->cnt;
        set_byte(&cnt, off, val);
        /* SCI_EN stays set; GBL_RLS and SLP_EN are strobes: not held */
        p->cnt = (uint16_t)((cnt & (PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP_MASK)) | PM1_CNT_SCI_EN);
        return off == 5 && acpi_pm_poweroff(cnt);
    }
    default:
        return false;
    }
}
