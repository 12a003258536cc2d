/* Keel's console port at boot: the facts from this machine (the command
 * line, the UARTs as the loader left them, ACPI SPCR/DBG2, the BIOS data
 * area), decided by drivers/serial_discover.c. */
#ifndef KEEL_DRIVERS_SERIAL_CONSOLE_H
#define KEEL_DRIVERS_SERIAL_CONSOLE_H

#include "drivers/serial_discover.h"
#include "kernel/boot_info.h"
#include "kernel/options.h"

/* Before the console starts: reads the UARTs and ACPI tables, writes
 * nothing but a divisor-latch switch on a port that is set up. */
void serial_console_choose(const struct boot_info *bi, const struct keel_options *o,
                           struct serial_choice *out);

#endif
