/* The VMX side of each vCPU's local APIC (the register logic is
 * vmx/dev/vlapic.c): its MSRs and MMIO page, IPIs between the guest's
 * vCPUs, the timer on the VMX-preemption timer, what the pre-entry step
 * injects. */
#ifndef KEEL_VMX_VAPIC_H
#define KEEL_VMX_VAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/guest.h"

#define VAPIC_MMIO_BASE 0xfee00000ull

void vapic_create(struct vcpu *v);          /* its page, and the state at power-up */
void vapic_reset(struct vcpu *v);           /* the state at power-up again (a restart) */
void vapic_init_signal(struct vcpu *v);     /* INIT: reset, keeping the APIC's mode */

/* For the pre-entry step: move posted vectors into the IRR. true when
 * the one vector posted went straight into service instead, which leaves
 * the injection step nothing to do but close a window it opened. */
bool vapic_sync(struct vcpu *v);

/* The MSRs: x2APIC registers (0x800-0x8ff), IA32_APIC_BASE and
 * IA32_TSC_DEADLINE. Return false if `msr` is none of them; otherwise
 * *gp says whether the access raises #GP. */
bool vapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val, bool *gp);
bool vapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val, bool *gp);

/* A write of 0 to the x2APIC EOI register, the write an emulated x2APIC
 * sees most: false when the APIC is not in x2APIC mode (then #GP). */
#define MSR_X2APIC_EOI (MSR_X2APIC_FIRST + APIC_EOI / 16)
bool vapic_x2apic_eoi(struct vcpu *v);

/* A self-IPI of a legal vector through the x2APIC SELF IPI register:
 * false for anything else (the general path then decides). */
#define MSR_X2APIC_SELF_IPI (MSR_X2APIC_FIRST + APIC_SELF_IPI / 16)
bool vapic_x2apic_self_ipi(struct vcpu *v, uint64_t val);

/* An ICR write of a fixed, physical, edge IPI to another vCPU: false for
 * anything else (the general path then decides). */
#define MSR_X2APIC_ICR (MSR_X2APIC_FIRST + APIC_ICR_LOW / 16)
bool vapic_x2apic_icr(struct vcpu *v, uint64_t val);

/* A write of the timer's initial count (TMICT) in x2APIC mode: false for
 * anything else (the general path then decides). */
#define MSR_X2APIC_TMICT (MSR_X2APIC_FIRST + APIC_TIMER_INITIAL / 16)
bool vapic_x2apic_tmict(struct vcpu *v, uint64_t val);

/* A write of IA32_TSC_DEADLINE (MSR 0x6e0): true (it always exists). */
bool vapic_tsc_deadline(struct vcpu *v, uint64_t val);

/* The xAPIC page (an MMIO range of the device table). */
bool vapic_mmio(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val);

/* The xAPIC page's range in the guest's device table, for APIC-access
 * exits; and an APIC-write exit: the CPU wrote `offset` in the page, Keel
 * carries out the write's effect. */
const struct mmio_range *vapic_mmio_range(const struct guest *g);
void vapic_apic_write(struct vcpu *v, uint32_t offset);

/* CR8: the TPR's bits 7:4. */
uint64_t vapic_get_cr8(struct vcpu *v);
void vapic_set_cr8(struct vcpu *v, uint64_t cr8);

/* The APIC timer, if due at `now`, fires; so does the PIT's interrupt
 * on vCPU 0 (vcpu.device_deadline). The caller re-arms the
 * VMX-preemption timer. */
void vapic_timer_check(struct vcpu *v, uint64_t now);

/* A device interrupt (an I/O APIC message, the 8259's ExtINT,
 * vmx/dev/irq.c) to the vCPUs its destination names, as an IPI's is
 * resolved (physical or logical, lowest priority by TPR; an 8-bit
 * broadcast 0xff reaches x2APIC-mode vCPUs too), or to vCPU `t`. `self`
 * is the vCPU whose exit this CPU handles (it takes the interrupt at
 * once), or NULL: the others get it posted (pir[], pir_level[] for a
 * level-triggered one) and are kicked. An ExtINT sets IRQ_WORK_EXTINT; the
 * pre-entry step takes its vector from the 8259 pair. */
void vapic_deliver_msg(struct guest *g, struct vcpu *self, const struct apic_ipi *m);
void vapic_deliver_msg_to(struct vcpu *t, struct vcpu *self, const struct apic_ipi *m);

/* An EOI-induced exit (APIC virtualization, SDM "EOI Virtualization"):
 * the guest ended `vector`, which the EOI-exit bitmap names; a
 * level-triggered one goes on to the I/O APIC. */
void vapic_eoi_exit(struct vcpu *v, uint8_t vector);

#endif
