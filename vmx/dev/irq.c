/* A guest's interrupt wiring (vmx/dev/irq.h): ISA lines to the I/O APIC
 * and the 8259 pair, their outputs to the local APICs (vmx/vapic.c), the
 * EOI broadcast back, and the PIT's and the RTC's interrupts on vCPU 0's
 * timer. */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "vmx/dev/devices.h"
#include "vmx/dev/irq.h"
#include "vmx/event.h"
#include "vmx/vapic.h"

void irq_reset(struct guest *g)
{
    struct irq_state *s = &g->irq;
    s->ioapic = (struct vioapic){ 0 };
    vioapic_reset(&s->ioapic, (uint8_t)g->cfg.vcpus);
    s->lines = 0;
    s->pit_routed = false;
    for (unsigned i = 0; i < 4; i++)
        s->eoi_vectors[i] = 0;
}

/* An I/O APIC message to the local APICs. */
static void deliver(struct guest *g, struct vcpu *self, const struct ioapic_msg *m)
{
    struct apic_ipi ipi = {
        .vector = m->vector, .delivery = m->delivery, .shorthand = APIC_SH_NONE,
        .logical = m->logical, .level_assert = true, .trigger_level = m->level,
        .dest = m->dest,
    };
    vapic_deliver_msg(g, self, &ipi);
}

/* ISA IRQ n is I/O APIC pin n, but IRQ 0, which the MADT overrides to
 * pin 2 (the chipsets' wiring: pin 0 is the 8259's INTR). */
static unsigned isa_pin(unsigned isa)
{
    return isa == IRQ_PIT ? IRQ_PIT_PIN : isa;
}

/* The 8259 pair's INTR, when asserted, to the vCPU the virtual wire
 * names (irq.h says when), as an ExtINT. */
static void pic_output(struct guest *g, struct vcpu *self)
{
    if (!vpic_output(&g->pc.pic))
        return;
    struct vioapic *a = &g->irq.ioapic;
    if (vioapic_unmasked(a, 0, IOAPIC_DM_EXTINT)) {
        uint64_t e = a->redir[0];
        struct ioapic_msg m = {
            .pin = 0, .vector = 0, .delivery = IOAPIC_DM_EXTINT,
            .logical = e & IOAPIC_RTE_LOGICAL, .dest = (uint8_t)(e >> IOAPIC_RTE_DEST_SHIFT),
        };
        deliver(g, self, &m);
        return;
    }
    struct vcpu *bsp = &g->vcpus[0];
    uint32_t lint0 = __atomic_load_n(&bsp->apic.page[APIC_LVT_LINT0 / 4], __ATOMIC_RELAXED);
    bool wire = !(lint0 & (1u << 16)) && ((lint0 >> 8) & 7) == APIC_DM_EXTINT;
    if (wire || !vioapic_unmasked(a, -1, -1)) {
        struct apic_ipi ipi = { .delivery = APIC_DM_EXTINT, .dest = 0 };
        vapic_deliver_msg_to(bsp, self, &ipi);
    }
}

void irq_pic_changed(struct guest *g, struct vcpu *self)
{
    pic_output(g, self);
    irq_pit_changed(g, self);       /* IRQ 0's mask may have changed */
}

int irq_pic_ack(struct guest *g, bool *more)
{
    int vector = -1;
    spin_lock(&g->irq.lock);
    if (vpic_output(&g->pc.pic))
        vector = vpic_intack(&g->pc.pic);
    *more = vpic_output(&g->pc.pic);
    spin_unlock(&g->irq.lock);
    return vector;
}

void irq_set_locked(struct guest *g, struct vcpu *self, unsigned isa, bool level)
{
    if (isa >= IRQ_ISA_LINES)
        return;
    struct irq_state *s = &g->irq;
    uint16_t bit = (uint16_t)(1u << isa);
    s->lines = level ? s->lines | bit : s->lines & (uint16_t)~bit;
    struct ioapic_msg m;
    if (vioapic_set_irq(&s->ioapic, isa_pin(isa), level, &m))
        deliver(g, self, &m);
    vpic_set_irq(&g->pc.pic, isa, level);
    if (level)
        pic_output(g, self);
}

void irq_set(struct guest *g, struct vcpu *self, unsigned isa, bool level)
{
    spin_lock(&g->irq.lock);
    irq_set_locked(g, self, isa, level);
    spin_unlock(&g->irq.lock);
}

void irq_eoi(struct guest *g, struct vcpu *self, uint8_t vector)
{
    struct ioapic_msg out[IOAPIC_PINS];
    spin_lock(&g->irq.lock);
    unsigned n = vioapic_eoi(&g->irq.ioapic, vector, out);
    for (unsigned i = 0; i < n; i++)
        deliver(g, self, &out[i]);
    spin_unlock(&g->irq.lock);
}

void irq_eoi_vectors(struct guest *g, uint64_t map[4])
{
    spin_lock(&g->irq.lock);
    for (unsigned i = 0; i < 4; i++)
        map[i] = g->irq.eoi_vectors[i];
    spin_unlock(&g->irq.lock);
}

/* A redirection entry changed: with APIC virtualization, every vCPU's
 * EOI-exit bitmap must name the level-triggered vectors before one of
 * them is delivered; each loads it in its next pre-entry step
 * (IRQ_WORK_EOI_EXIT). A vCPU created later starts with the bitmap empty
 * and the I/O APIC masked: irq_reset and the VMCS image agree. */
static void eoi_vectors_changed(struct guest *g, struct vcpu *self)
{
    struct irq_state *s = &g->irq;
    uint64_t map[4];
    vioapic_eoi_vectors(&s->ioapic, map);
    if (map[0] == s->eoi_vectors[0] && map[1] == s->eoi_vectors[1] &&
        map[2] == s->eoi_vectors[2] && map[3] == s->eoi_vectors[3])
        return;
    for (unsigned i = 0; i < 4; i++)
        s->eoi_vectors[i] = map[i];
    for (unsigned i = 0; i < g->vcpu_count; i++) {
        struct vcpu *t = &g->vcpus[i];
        if (!t->apicv)
            continue;
        __atomic_fetch_or(&t->irq_work, IRQ_WORK_EOI_EXIT, __ATOMIC_SEQ_CST);
        __atomic_fetch_or(&t->pir_pending, PIR_PENDING_WORK, __ATOMIC_SEQ_CST);
        if (t == self)
            vcpu_request_self(t, VCPU_REQ_EVENT);
        else
            vcpu_request(t, VCPU_REQ_EVENT);
    }
}

bool ioapic_mmio(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val)
{
    struct guest *g = v->guest;
    struct irq_state *s = &g->irq;
    spin_lock(&s->lock);
    if (!write) {
        *val = vioapic_mmio_read(&s->ioapic, offset, size);
    } else {
        struct ioapic_msg m;
        if (vioapic_mmio_write(&s->ioapic, offset, size, (uint32_t)*val, &m))
            deliver(g, v, &m);
        if (offset == IOAPIC_IOWIN) {   /* masks, modes and vectors may have changed */
            eoi_vectors_changed(g, v);
            irq_pic_changed(g, v);
        }
    }
    spin_unlock(&s->lock);
    return true;
}

/* Can IRQ 0 reach anything? Unmasked at the master 8259 or at pin 2. */
static bool pit_routed(struct guest *g)
{
    return !(g->pc.pic.chip[0].imr & 1) || vioapic_unmasked(&g->irq.ioapic, IRQ_PIT_PIN, -1);
}

static void set_device_deadline(struct vcpu *v0, struct vcpu *self, uint64_t d)
{
    if (d == v0->device_deadline)
        return;
    v0->device_deadline = d;
    if (v0 == self)
        vcpu_request_self(v0, VCPU_REQ_TIMER);
    else
        vcpu_request(v0, VCPU_REQ_TIMER);
}

/* The RTC's next event (TSC), or 0: none. */
static uint64_t rtc_deadline(struct guest *g, uint64_t now)
{
    uint64_t t = vrtc_next_event(&g->pc.rtc, rtc_ticks(now, tsc_hz));
    return t ? rtc_tsc(t, tsc_hz) : 0;
}

static uint64_t sooner(uint64_t a, uint64_t b)
{
    return !a ? b : !b || a < b ? a : b;
}

void irq_pit_changed(struct guest *g, struct vcpu *self)
{
    struct irq_state *s = &g->irq;
    bool routed = pit_routed(g);
    uint64_t now = rdtsc();
    if (routed && !s->pit_routed)       /* what came while it reached nothing is lost */
        vpit_irq_due(&g->pc.pit, pit_ticks(now, tsc_hz));
    s->pit_routed = routed;
    uint64_t next = g->pc.pit.irq_next;
    uint64_t d = sooner(next && routed ? pit_tsc(next, tsc_hz) : 0, rtc_deadline(g, now));
    set_device_deadline(&g->vcpus[0], self, d);
}

/* IRQ 8 follows the RTC's IRQF (an edge when it rises). */
static void rtc_line(struct guest *g, struct vcpu *self, uint64_t now)
{
    bool irqf = vrtc_update(&g->pc.rtc, rtc_ticks(now, tsc_hz));
    if (irqf != (bool)(g->irq.lines >> RTC_IRQ & 1))
        irq_set_locked(g, self, RTC_IRQ, irqf);
}

void irq_rtc_changed(struct guest *g, struct vcpu *self)
{
    rtc_line(g, self, rdtsc());
    irq_pit_changed(g, self);           /* the deadline: the sooner of the two */
}

void irq_device_timer(struct vcpu *v, uint64_t now)
{
    struct guest *g = v->guest;
    spin_lock(&g->irq.lock);
    if (vpit_irq_due(&g->pc.pit, pit_ticks(now, tsc_hz))) {
        /* channel 0's OUT rises: an edge on IRQ 0 */
        irq_set_locked(g, v, IRQ_PIT, true);
        irq_set_locked(g, v, IRQ_PIT, false);
    }
    rtc_line(g, v, now);
    uint64_t next = g->pc.pit.irq_next;
    uint64_t d = sooner(next && pit_routed(g) ? pit_tsc(next, tsc_hz) : 0, rtc_deadline(g, now));
    uint64_t soonest = now + tsc_hz / IRQ_PIT_MAX_HZ;
    if (d && d < soonest)
        d = soonest;
    set_device_deadline(v, v, d);
    spin_unlock(&g->irq.lock);
}
