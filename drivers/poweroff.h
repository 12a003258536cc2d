#ifndef KEEL_DRIVERS_POWEROFF_H
#define KEEL_DRIVERS_POWEROFF_H

#include "kernel/panic.h"

/* Leave the machine as shutdown= says, after the line
 * "<power off|reboot|halt>, status N (name)". With shutdown=auto: QEMU's
 * isa-debug-exit (exit code status * 2 + 1) or Bochs' shutdown port where
 * recognised, else ACPI S5. When nothing works, halt. */
__attribute__((noreturn)) void power_off(enum keel_status status);

#endif
