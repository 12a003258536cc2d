/* A guest's interrupt wiring, as a PC's (and as the guest's MADT says,
 * kernel/loader/acpi_build.h): ISA IRQ lines 0-15 go to the 8259 pair
 * and to the I/O APIC, IRQ 0 to pin 2 (the MADT's override), the others
 * to the pin of their number. The I/O APIC's messages go to the guest's
 * local APICs (vapic_deliver_msg); their EOIs come back here (irq_eoi).
 *
 * The 8259 pair's INTR output reaches a vCPU as an ExtINT ("virtual
 * wire", MP specification 3.6.2) only: through I/O APIC pin 0 when it is
 * unmasked with delivery mode ExtINT (to its destination); else to vCPU 0
 * when its LVT LINT0 is unmasked ExtINT, or while the guest has no I/O
 * APIC pin unmasked at all (as a BIOS leaves a PC: LINT0 in virtual wire
 * mode; Keel's local APIC starts with LINT0 masked). The vCPU takes the
 * vector from the pair (the acknowledge cycle) at its next pre-entry step
 * in which it can take an interrupt (vmx/vapic.c): there is no interrupt
 * window for it, so one raised while the guest has interrupts off waits
 * for the vCPU's next event (a HLT, an interrupt, the next tick).
 *
 * The PIT's channel 0 interrupt (IRQ 0) runs on vCPU 0's VMX-preemption
 * timer (vcpu.device_deadline, which the pre-entry step arms beside the
 * APIC timer), and only while IRQ 0 can reach something: unmasked at the
 * 8259 or at I/O APIC pin 2; ticks that came while it could not are lost,
 * as edges on a masked line are. At most IRQ_PIT_MAX_HZ of them a second.
 * The RTC's (IRQ 8, a Linux guest's: vmx/dev/rtc.h) on the same timer:
 * the line follows its IRQF, and the deadline is the sooner of the two.
 *
 * One lock per guest (irq_state.lock) covers the lines, the I/O APIC, the
 * 8259 pair, the PIT's interrupt time and the UART's interrupt state:
 * the exit paths that change them (a device register access that can
 * move a line, an EOI of a level-triggered vector) take it; the measured
 * ones (COM1's LSR read and scratch write, CPUID, VMCALL) do not. */
#ifndef KEEL_VMX_DEV_IRQ_H
#define KEEL_VMX_DEV_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/spinlock.h"
#include "vmx/dev/ioapic.h"

struct guest;
struct vcpu;

#define IRQ_ISA_LINES   16
#define IRQ_COM1        4
#define IRQ_PIT         0
#define IRQ_PIT_PIN     2       /* the MADT's interrupt source override */
#define IRQ_PIT_MAX_HZ  10000   /* a shorter PIT period is stretched to this */

struct irq_state {
    struct spinlock lock;
    struct vioapic ioapic;
    uint16_t lines;             /* the ISA lines' levels */
    bool pit_routed;            /* IRQ 0 reached something at the last look */
    uint64_t eoi_vectors[4];    /* vioapic_eoi_vectors: the EOI-exit bitmap to load */
};

/* vcpu.irq_work: what its next pre-entry step must do besides taking
 * posted vectors (vapic_sync, when pir_pending is set) */
#define IRQ_WORK_EXTINT   1u    /* the 8259 pair's INTR reaches it (virtual wire) */
#define IRQ_WORK_EOI_EXIT 2u    /* load the EOI-exit bitmap again (APIC virtualization) */
#define IRQ_WORK_LEVEL    4u    /* take the vectors in pir_level[] */

/* Power-up: the I/O APIC reset with its MADT ID (the vCPU count), lines
 * low. */
void irq_reset(struct guest *g);

/* ISA line `isa` (0-15) to `level`, to the I/O APIC and the 8259 pair.
 * `self`: the vCPU whose exit this CPU is handling (an interrupt for it
 * is taken directly), or NULL from anywhere else (every target is posted
 * to and kicked). irq_set takes the lock; the _locked form is for device
 * code that holds it already. */
void irq_set(struct guest *g, struct vcpu *self, unsigned isa, bool level);
void irq_set_locked(struct guest *g, struct vcpu *self, unsigned isa, bool level);
static inline void irq_raise(struct guest *g, struct vcpu *self, unsigned isa)
{
    irq_set(g, self, isa, true);
}
static inline void irq_lower(struct guest *g, struct vcpu *self, unsigned isa)
{
    irq_set(g, self, isa, false);
}

/* The EOI broadcast: vCPU `self` ended level-triggered `vector`. */
void irq_eoi(struct guest *g, struct vcpu *self, uint8_t vector);

/* The I/O APIC's MMIO page (a range of the device table). */
bool ioapic_mmio(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val);

/* After a change to the 8259 pair (lock held): its output to the vCPU
 * the virtual wire names. */
void irq_pic_changed(struct guest *g, struct vcpu *self);

/* The acknowledge cycle for a vCPU about to take the pair's ExtINT: the
 * vector, or -1 when the output has dropped; *more: it is still asserted
 * after (another interrupt behind this one). */
int irq_pic_ack(struct guest *g, bool *more);

/* After a write to the PIT (lock held): channel 0's next interrupt as
 * vCPU 0's device deadline. */
void irq_pit_changed(struct guest *g, struct vcpu *self);

/* After an RTC access (lock held): IRQ 8 as its IRQF says, and its next
 * event in vCPU 0's device deadline. */
void irq_rtc_changed(struct guest *g, struct vcpu *self);

/* vCPU 0's device deadline has come (`now`: its TSC): IRQ 0 pulses if
 * channel 0's interrupt is due, IRQ 8 follows the RTC, and the next
 * deadline is armed. */
void irq_device_timer(struct vcpu *v, uint64_t now);

/* The vectors the I/O APIC routes level-triggered, for APIC
 * virtualization's EOI-exit bitmap: copied under the lock. */
void irq_eoi_vectors(struct guest *g, uint64_t map[4]);

#endif
