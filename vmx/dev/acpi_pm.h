/* The ACPI power-management block Keel's FADT describes for a guest
 * (kernel/loader/acpi_build.h: PM1a event block 0x600, PM1a control
 * 0x604, PM timer 0x608), as far as an OS uses it on a machine with no
 * SMI_CMD (always in ACPI mode) and no GPEs: the PM timer, and sleep type
 * S5 for power-off. */
#ifndef KEEL_VMX_DEV_ACPI_PM_H
#define KEEL_VMX_DEV_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#define PM1_CNT_SCI_EN  (1u << 0)
#define PM1_CNT_SLP_TYP(v) (((v) >> 10) & 7)
#define PM1_CNT_SLP_EN  (1u << 13)

/* The PM timer's 32-bit count at TSC `tsc` (3.579545 MHz; ACPI "Power
 * Management Timer"), exact to the TSC's rate. Pure. */
uint32_t acpi_pm_timer(uint64_t tsc, uint64_t hz);

/* A write of `val` to PM1_CNT: true when it puts the guest into the S5
 * sleep state (SLP_EN with the \_S5 sleep type, 7): power-off. Pure. */
bool acpi_pm_poweroff(uint16_t val);

#endif
