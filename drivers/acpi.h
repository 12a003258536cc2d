/* ACPI at boot: find the RSDP, parse the tables (drivers/acpi_parse.c),
 * report what was found; later power-off and reset through the FADT. */
#ifndef KEEL_DRIVERS_ACPI_H
#define KEEL_DRIVERS_ACPI_H

#include "drivers/acpi_parse.h"
#include "kernel/boot_info.h"

extern struct acpi_info acpi;
extern bool acpi_ok;            /* tables parsed: acpi is meaningful */

/* dump: print every table in hex; scan: ignore the loader's RSDP and
 * search the BIOS area (BIOS boots only), as when a loader gives none. */
void acpi_init(const struct boot_info *bi, bool dump, bool scan);

/* Enter S5 (soft off) through PM1 control, or reset through the FADT reset
 * register. Return only when that did not work. */
void acpi_poweroff(void);
void acpi_reset(void);

#endif
