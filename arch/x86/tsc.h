/* The TSC, measured against a timer whose rate is known (the PIT, or the
 * ACPI PM timer), so that delays and timeouts are in real time. */
#ifndef KEEL_ARCH_X86_TSC_H
#define KEEL_ARCH_X86_TSC_H

#include <stdint.h>

extern uint64_t tsc_hz;

/* pm_timer_port: the ACPI PM timer's port, or 0. */
void tsc_calibrate(uint16_t pm_timer_port, int pm_timer_bits);
void udelay(uint64_t us);
/* TSC value `us` microseconds from now, for timeouts. */
uint64_t tsc_deadline(uint64_t us);

#endif
