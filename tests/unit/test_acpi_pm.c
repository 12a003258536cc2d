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

/* A 16-bit register access as the glue does it: low byte first. */
static uint16_t rd16(const struct acpi_pm1 *p, unsigned off)
{
    return (uint16_t)(acpi_pm1_read(p, off) | acpi_pm1_read(p, off + 1) << 8);
}

static bool wr16(struct acpi_pm1 *p, unsigned off, uint16_t val)
{
    bool a = acpi_pm1_write(p, off, (uint8_t)val);
    bool b = acpi_pm1_write(p, off + 1, (uint8_t)(val >> 8));
    return a || b;
}

/* ACPICA's acpi_enable_event writes an enable bit and reads it back: a
 * bit that does not stick is "Could not enable GlobalLock event" and "No
 * response from Global Lock hardware" in Linux's log (the RTC's likewise). */
TEST(pm1_enable_bits_stick)
{
    struct acpi_pm1 p;
    acpi_pm1_reset(&p);
    CHECK_EQ(rd16(&p, 0), 0);                   /* PM1_STS */
    CHECK_EQ(rd16(&p, 2), 0);                   /* PM1_EN */
    CHECK_EQ(rd16(&p, 4), PM1_CNT_SCI_EN);      /* always in ACPI mode */
    CHECK(!wr16(&p, 2, PM1_EN_GBL));
    CHECK_EQ(rd16(&p, 2), PM1_EN_GBL);
    wr16(&p, 2, PM1_EN_GBL | PM1_EN_RTC | PM1_EN_PWRBTN);
    CHECK_EQ(rd16(&p, 2), PM1_EN_GBL | PM1_EN_RTC | PM1_EN_PWRBTN);
    wr16(&p, 2, 0xffff);                        /* reserved bits read 0 */
    CHECK_EQ(rd16(&p, 2), PM1_EN_BITS);
    acpi_pm1_write(&p, 3, 0);                   /* a byte write changes its byte only */
    CHECK_EQ(rd16(&p, 2), PM1_EN_BITS & 0xff);
    wr16(&p, 2, 0);
    CHECK_EQ(rd16(&p, 2), 0);
}

TEST(pm1_status_is_write_one_to_clear)
{
    struct acpi_pm1 p;
    acpi_pm1_reset(&p);
    p.sts = 0x8421;                             /* as if events had come */
    wr16(&p, 0, 0x0020);
    CHECK_EQ(rd16(&p, 0), 0x8401);
    wr16(&p, 0, 0);                             /* zeros change nothing */
    CHECK_EQ(rd16(&p, 0), 0x8401);
    acpi_pm1_write(&p, 1, 0x84);
    CHECK_EQ(rd16(&p, 0), 0x0001);
}

TEST(pm1_control)
{
    struct acpi_pm1 p;
    acpi_pm1_reset(&p);
    CHECK(!wr16(&p, 4, 0));                     /* SCI_EN cannot be cleared */
    CHECK_EQ(rd16(&p, 4), PM1_CNT_SCI_EN);
    CHECK(!wr16(&p, 4, PM1_CNT_GBL_RLS | PM1_CNT_BM_RLD | 5 << 10));
    CHECK_EQ(rd16(&p, 4), PM1_CNT_SCI_EN | PM1_CNT_BM_RLD | 5 << 10);   /* GBL_RLS: a strobe */
    CHECK(!wr16(&p, 4, PM1_CNT_SLP_EN | 5 << 10));   /* S5 is type 7 */
    CHECK_EQ(rd16(&p, 4) & PM1_CNT_SLP_EN, 0);       /* SLP_EN: a strobe */
    CHECK(wr16(&p, 4, PM1_CNT_SLP_EN | 7 << 10 | PM1_CNT_SCI_EN));
    acpi_pm1_reset(&p);                         /* the high byte alone says it all */
    CHECK(acpi_pm1_write(&p, 5, (uint8_t)((PM1_CNT_SLP_EN | 7 << 10) >> 8)));
    CHECK(!acpi_pm1_write(&p, 4, 0xff));
}
