/* Starting the application processors (APs) the MADT lists. */
#ifndef KEEL_SMP_H
#define KEEL_SMP_H

#include "drivers/acpi_parse.h"

struct percpu;

/* Start up to max_cpus CPUs in all (the BSP included), one at a time:
 * INIT-SIPI-SIPI, then wait for the AP to report in C. A CPU that does not
 * answer is reported by APIC id, parked with INIT, and left out. */
void smp_boot(const struct acpi_info *acpi, bool have_acpi, unsigned max_cpus);

/* Run fn(arg) on `cpu` and wait until it has returned: directly on this
 * CPU, by IPI on another. Returns false if that CPU did not finish within
 * a second (it is then reported). */
bool smp_call(struct percpu *cpu, void (*fn)(void *arg), void *arg);

/* The same in two halves, to keep several CPUs busy at once: start fn on
 * another CPU, then wait for it (no time limit: guests run as long as
 * they run). */
void smp_call_start(struct percpu *cpu, void (*fn)(void *arg), void *arg);
void smp_call_wait(struct percpu *cpu);

/* On a CPU busy in a guest: run the work an IPI brought, if any. */
void smp_poll_call(void);

/* Stop every other CPU (NMI) and wait briefly until they have. */
void smp_stop_others(void);

/* Set while CPUs are being stopped: an NMI then means "halt". */
extern volatile bool smp_stopping;

/* The NMI handler's part: count this CPU as stopped and halt it. */
__attribute__((noreturn)) void smp_nmi_stop(void);

#endif
