/* The ACPI power-management block Keel's FADT describes for a guest
 * (kernel/loader/acpi_build.h: PM1a event block 0x600, PM1a control
 * 0x604, PM timer 0x608), as far as an OS uses it on a machine with no
 * SMI_CMD (always in ACPI mode) and no GPEs: the PM1 registers (ACPI
 * "PM1 Event Grouping", "PM1 Control Grouping"), the PM timer, and sleep
 * type S5 for power-off. No fixed event is ever raised (no status bit is
 * set, no SCI), but the enable bits hold what is written, as on ICH9 and
 * QEMU: an OS checks that they stick (ACPICA's acpi_enable_event: the
 * global lock's GBL_EN, the RTC's RTC_EN) and takes a bit that does not
 * for missing hardware. */
#ifndef KEEL_VMX_DEV_ACPI_PM_H
#define KEEL_VMX_DEV_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

/* PM1_STS, PM1_EN (the event block's two words) and PM1_CNT. */
#define PM1_EN_TMR      (1u << 0)
#define PM1_EN_GBL      (1u << 5)
#define PM1_EN_PWRBTN   (1u << 8)
#define PM1_EN_SLPBTN   (1u << 9)
#define PM1_EN_RTC      (1u << 10)
#define PM1_EN_PCIEXP_WAKE_DIS (1u << 14)
#define PM1_EN_BITS     (PM1_EN_TMR | PM1_EN_GBL | PM1_EN_PWRBTN | PM1_EN_SLPBTN | \
                         PM1_EN_RTC | PM1_EN_PCIEXP_WAKE_DIS)
#define PM1_CNT_SCI_EN  (1u << 0)
#define PM1_CNT_BM_RLD  (1u << 1)
#define PM1_CNT_GBL_RLS (1u << 2)       /* write-only: reads 0 */
#define PM1_CNT_SLP_TYP_MASK (7u << 10)
#define PM1_CNT_SLP_TYP(v) (((v) >> 10) & 7)
#define PM1_CNT_SLP_EN  (1u << 13)

/* A guest's PM1 registers (a member of its struct pc_devices). */
struct acpi_pm1 {
    uint16_t sts, en, cnt;
};

/* As at power-up: nothing enabled, SCI_EN set (always in ACPI mode). */
void acpi_pm1_reset(struct acpi_pm1 *p);

/* Byte `off` (0-5: PM1_STS, PM1_EN, PM1_CNT, low byte first) of the
 * PM1a event and control blocks. A write returns true when it puts the
 * guest into S5 (SLP_EN with the \_S5 sleep type, 7): power-off. Pure. */
uint8_t acpi_pm1_read(const struct acpi_pm1 *p, unsigned off);
bool acpi_pm1_write(struct acpi_pm1 *p, unsigned off, uint8_t val);

/* The PM timer's 32-bit count at TSC `tsc` (3.579545 MHz; ACPI "Power
 * Management Timer"), exact to the TSC's rate. Pure. */
uint32_t acpi_pm_timer(uint64_t tsc, uint64_t hz);

/* A write of `val` to PM1_CNT: true when it puts the guest into the S5
 * sleep state (SLP_EN with the \_S5 sleep type, 7): power-off. Pure. */
bool acpi_pm_poweroff(uint16_t val);

#endif
