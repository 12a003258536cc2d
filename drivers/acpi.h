/* ACPI at boot: find the RSDP, parse the tables (drivers/acpi_parse.c),
 * report what was found; later power-off and reset through the FADT. */
#ifndef KEEL_DRIVERS_ACPI_H
#define KEEL_DRIVERS_ACPI_H

#include "drivers/acpi_parse.h"
#include "kernel/boot_info.h"

extern struct acpi_info acpi;
extern bool acpi_ok;            /* tables parsed: acpi is meaningful */

void acpi_init(const struct boot_info *bi, bool dump);

/* Enter S5 (soft off) through PM1 control, or reset through the FADT reset
 * register. Return only when that did not work. */
void acpi_poweroff(void);
void acpi_reset(void);

#endif
