/* The local APIC: x2APIC mode (MSRs) when the CPU has it, xAPIC (MMIO)
 * otherwise. All CPUs use the mode the BSP chose. SDM "Advanced
 * Programmable Interrupt Controller (APIC)". */
#ifndef KEEL_ARCH_X86_LAPIC_H
#define KEEL_ARCH_X86_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_SPURIOUS_VECTOR 0xff
#define LAPIC_CALL_VECTOR     0xf0  /* "run the function in your mailbox" */
#define LAPIC_KICK_VECTOR     0xf1  /* "leave the guest: a vCPU request waits" */
#define LAPIC_TIMER_VECTOR    0xf2  /* this CPU's timer, where there is no VMX-preemption timer */

/* BSP: choose the mode and enable the APIC; APs: enable in that mode. */
void lapic_init(bool bsp);
bool lapic_x2apic(void);
uint32_t lapic_id(void);

void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);
void lapic_send_nmi(uint32_t apic_id);
void lapic_send_fixed(uint32_t apic_id, uint8_t vector);
void lapic_eoi(void);

/* The local APIC timer in TSC-deadline mode (SDM "TSC-Deadline Mode"),
 * LAPIC_TIMER_VECTOR: whether the CPU has it; set this CPU's to fire at
 * TSC value `tsc` (0: disarm). */
bool lapic_has_tsc_deadline(void);
void lapic_timer_at(uint64_t tsc);

#endif
