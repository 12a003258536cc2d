/* The VMX side of the virtual local APIC: the register logic is
 * vmx/dev/vlapic.c (pure); here are its doors (x2APIC MSRs, the xAPIC
 * page, CR8), IPIs between the guest's own vCPUs, and the timer. Other
 * vCPUs never touch this vCPU's APIC: they post vectors to its pir[] and
 * kick it (as posted interrupts do), and it takes them in its pre-entry
 * step. docs/architecture.md, "The local APIC". */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/msr.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "vmx/dev/irq.h"
#include "vmx/event.h"
#include "vmx/exit.h"
#include "vmx/vapic.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmcs_image.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

/* The APIC timer's input clock is the TSC (before the divide
 * configuration): a tick per TSC tick. */
#define VAPIC_TSC_PER_TICK 1
#define IPIS_DROPPED_LOGGED 4
/* A periodic APIC timer fires at most every 50 us (KVM's default
 * min_timer_period_us is 200): faster, a guest would only take exits. */
#define VAPIC_MIN_PERIOD_US 50

static bool x2apic_allowed(void)
{
    return cpuid(1, 0).ecx & X86_FEATURE_X2APIC_ECX;
}

void vapic_reset(struct vcpu *v)
{
    vlapic_reset(&v->apic, v->apic.page, v->index, v->index == 0, x2apic_allowed(),
                 VAPIC_TSC_PER_TICK);
    v->apic.virtualized = v->apicv;     /* the CPU writes IRR and ISR too */
    v->apic.min_period = tsc_hz / 1000000 * VAPIC_MIN_PERIOD_US;
    v->pir_pending = 0;
    for (unsigned i = 0; i < 8; i++)
        v->pir[i] = v->pir_level[i] = 0;
}

void vapic_create(struct vcpu *v)
{
    v->apic.page = (uint32_t *)(uintptr_t)mm_alloc_frames(1, FRAME_SIZE);
    vapic_reset(v);
}

void vapic_init_signal(struct vcpu *v)
{
    vlapic_init_signal(&v->apic);
    v->pir_pending = 0;
    __atomic_fetch_and(&v->irq_work, (uint8_t)~IRQ_WORK_EXTINT, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < 8; i++)
        v->pir[i] = v->pir_level[i] = 0;
    vcpu_request_self(v, VCPU_REQ_TIMER);
}

/* An interrupt became requestable on this vCPU's own APIC: with
 * virtual-interrupt delivery the pre-entry step sets RVI; the emulated
 * APIC injects it at once (or opens a window). */
static void interrupt_requested(struct vcpu *v)
{
    if (v->apicv)
        vcpu_request_self(v, VCPU_REQ_EVENT);
    else
        vcpu_inject_now(v);
}

/* Virtual-interrupt delivery, an edge-triggered vector of the vCPU's own
 * APIC (its timer) just set in IRR: RVI, the highest requested vector
 * (SDM "Guest Interrupt Status"), becomes it if it is higher, and the CPU
 * delivers it at the next entry when the guest can take it. No scan of
 * IRR and no pre-entry step: the CPU keeps RVI the highest IRR bit as it
 * delivers (SDM "Virtual-Interrupt Delivery"), Keel only adds bits, and
 * the vectors others post go through the pre-entry step, which scans. An
 * active vCPU only: a halted one must be woken there too. */
static void rvi_raise(uint8_t vector)          /* in the vCPU's exit: its VMCS is current */
{
    uint64_t status = vmread(VMCS_GUEST_INTR_STATUS);
    if (vector > (status & 0xff))
        vmwrite(VMCS_GUEST_INTR_STATUS, (status & ~0xffull) | vector);
}

/* The VMX-preemption timer must be set again when the APIC timer has a
 * deadline, or when it was set for one that is gone (v->timer_deadline,
 * what arm_timer last chose, is then not the time budget). */
static void rearm(struct vcpu *v)
{
    if (v->apic.timer_deadline || v->timer_deadline != v->deadline)
        vcpu_request_self(v, VCPU_REQ_TIMER);
}


/* An edge-triggered interrupt from the vCPU's own APIC (a self-IPI, its
 * timer): at once when it can be (vcpu_deliver_at_once), else the round
 * through IRR. That round is out of line, so that the at-once path needs
 * no frame; it returns true, for callers that tail-call it. */
static __attribute__((noinline)) bool raise_through_irr(struct vcpu *v, uint8_t vector)
{
    if (vlapic_accept(&v->apic, vector, false)) {
        if (v->apicv && v->activity == VCPU_ACTIVE)
            rvi_raise(vector);
        else
            interrupt_requested(v);
    }
    return true;
}

static inline __attribute__((always_inline)) void raise_own(struct vcpu *v, uint8_t vector,
                                                            bool insn_exit)
{
    if (!vcpu_deliver_at_once(v, vector, insn_exit))
        raise_through_irr(v, vector);
}

static inline __attribute__((always_inline)) void timer_check(struct vcpu *v, uint64_t now,
                                                              bool insn_exit)
{
    if (vlapic_timer_due(&v->apic, now)) {
        int vector = vlapic_timer_expire(&v->apic, now);
        if (vector >= 0)
            raise_own(v, (uint8_t)vector, insn_exit);
    }
}

/* The timer was armed, re-armed or stopped. A deadline already past (a
 * count of 1, a TSC deadline behind) fires now, without a timer exit. */
static inline __attribute__((always_inline)) void timer_changed(struct vcpu *v, bool insn_exit)
{
    uint64_t d = v->apic.timer_deadline, now = rdtsc();
    if (d && d <= now)
        timer_check(v, now, insn_exit);
    rearm(v);
}

static void post(struct vcpu *t, uint8_t vector)
{
    __atomic_fetch_or(&t->pir[vector / 32], 1u << (vector % 32), __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&t->pir_pending, 1u << (vector / 32), __ATOMIC_SEQ_CST);
    vcpu_request(t, VCPU_REQ_EVENT);
}

/* A level-triggered vector for another vCPU: in pir_level[], which its
 * pre-entry step reads only when told (IRQ_WORK_LEVEL, set after the
 * vector: a step that misses the flag has the next request to find it),
 * so that taking edge-triggered vectors costs nothing more. */
static void post_level(struct vcpu *t, uint8_t vector)
{
    __atomic_fetch_or(&t->pir_level[vector / 32], 1u << (vector % 32), __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&t->irq_work, IRQ_WORK_LEVEL, __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&t->pir_pending, PIR_PENDING_WORK, __ATOMIC_SEQ_CST);
    vcpu_request(t, VCPU_REQ_EVENT);
}

/* The level-triggered vectors posted: into IRR with their TMR bits. */
static void take_level(struct vcpu *v)
{
    for (unsigned i = 0; i < 8; i++) {
        if (!v->pir_level[i])
            continue;
        uint32_t bits = __atomic_exchange_n(&v->pir_level[i], 0, __ATOMIC_ACQUIRE);
        v->level_seen = true;
        while (bits) {
            unsigned b = (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            vlapic_accept(&v->apic, (uint8_t)(i * 32 + b), true);
        }
    }
}

/* The 8259's ExtINT (vmx/dev/irq.h): into the injection slot when the
 * guest can take an interrupt now and nothing goes before it (an event to
 * deliver again, an NMI); the pair gives the vector then (the acknowledge
 * cycle), bypassing the local APIC as an ExtINT does. Otherwise it waits
 * for the next pre-entry step (pir_pending stays set). */
static void wait_extint(struct vcpu *v)
{
    __atomic_fetch_or(&v->irq_work, IRQ_WORK_EXTINT, __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&v->pir_pending, PIR_PENDING_WORK, __ATOMIC_SEQ_CST);
}

static void extint_inject(struct vcpu *v)
{
    if (v->reinject || v->nmi_pending ||
        (vmread(VMCS_VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID) ||
        !(vmread(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF) ||
        (vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO) & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS))) {
        wait_extint(v);
        return;
    }
    bool more;
    int vector = irq_pic_ack(v->guest, &more);
    if (vector >= 0) {
        vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD,
                INTR_INFO_VALID | INTR_TYPE_EXT_INTR << 8 | (uint32_t)vector);
        vcpu_wake(v);
    }
    if (more)
        wait_extint(v);         /* another one behind it */
}

/* APIC virtualization: the EOI-exit bitmap names the vectors the I/O APIC
 * routes level-triggered, so that their EOIs exit (SDM "EOI
 * Virtualization") and reach it (vapic_eoi_exit). */
static void load_eoi_exit_bitmap(struct vcpu *v)
{
    uint64_t map[4];
    irq_eoi_vectors(v->guest, map);
    vmwrite(VMCS_EOI_EXIT_BITMAP0, map[0]);
    vmwrite(VMCS_EOI_EXIT_BITMAP1, map[1]);
    vmwrite(VMCS_EOI_EXIT_BITMAP2, map[2]);
    vmwrite(VMCS_EOI_EXIT_BITMAP3, map[3]);
}

/* What the device glue asked of this vCPU (vcpu.irq_work): out of line. */
static __attribute__((noinline)) void irq_work(struct vcpu *v)
{
    uint8_t work = __atomic_exchange_n(&v->irq_work, 0, __ATOMIC_ACQUIRE);
    if ((work & IRQ_WORK_EOI_EXIT) && v->apicv)
        load_eoi_exit_bitmap(v);
    if (work & IRQ_WORK_LEVEL)
        take_level(v);
    if (work & IRQ_WORK_EXTINT)
        extint_inject(v);
}

bool vapic_sync(struct vcpu *v)
{
    /* A vector posted after this exchange sets its word's bit in
     * pir_pending again, with a request: the next pre-entry step takes
     * it. Only the words named are read; PIR_PENDING_WORK says that
     * irq_work has something. */
    uint32_t words;
    if (!v->pir_pending || !(words = __atomic_exchange_n(&v->pir_pending, 0, __ATOMIC_ACQUIRE)))
        return false;
    int one = -1;               /* the vector posted, while only one is */
    bool more = false;
    for (words &= 0xff; words; words &= words - 1) {
        unsigned i = (unsigned)__builtin_ctz(words);
        uint32_t bits = __atomic_exchange_n(&v->pir[i], 0, __ATOMIC_ACQUIRE);
        if (one < 0 && !more && bits && !(bits & (bits - 1))) {
            one = (int)(i * 32 + (unsigned)__builtin_ctz(bits));
            continue;
        }
        more = more || bits;
        while (bits) {
            unsigned b = (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            vlapic_accept(&v->apic, (uint8_t)(i * 32 + b), false);
        }
    }
    /* One edge vector and nothing else to take (an IPI from another
     * vCPU, mostly) needs no injection step with the emulated APIC: it
     * goes straight into service when it would be the next one taken and
     * the guest can take it now (vcpu_deliver_at_once, reading the
     * blocking and the slot: this may be any exit, an external
     * interrupt's in an STI shadow or amid an event's delivery). Of two
     * or more, priority decides: they take the round through IRR. With
     * virtual-interrupt delivery the injection step sets RVI from the
     * whole virtual IRR (other paths add bits there and leave RVI to it,
     * so the vector alone would not do). */
    bool served = false;
    if (one >= 0) {
        served = !more && !v->irq_work && vcpu_deliver_at_once(v, (uint8_t)one, false);
        if (!served)
            vlapic_accept(&v->apic, (uint8_t)one, false);
    }
    if (v->irq_work)
        irq_work(v);
    return served;
}

static void deliver_one(struct vcpu *src, struct vcpu *t, const struct apic_ipi *ipi)
{
    switch (ipi->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (t != src)
            post(t, ipi->vector);
        else if (!ipi->trigger_level)
            raise_own(t, ipi->vector, false);
        else if (vlapic_accept(&t->apic, ipi->vector, true))
            interrupt_requested(t);
        break;
    case APIC_DM_NMI:
        /* Without virtual NMIs nothing would tell Keel when the guest's
         * handler is done (no NMI window, IRET not seen): not delivered. */
        if (vmcs_config.ctl[VMX_PIN] & VMX_PIN_VIRTUAL_NMIS)
            vcpu_request(t, VCPU_REQ_NMI);
        else
            log_debug("guest %s: NMI IPI dropped: the CPU has no virtual NMIs",
                      src->guest->cfg.name);
        break;
    case APIC_DM_INIT:
        if (ipi->level_assert || !ipi->trigger_level)  /* not the INIT level de-assert */
            vcpu_request(t, VCPU_REQ_INIT);
        break;
    case APIC_DM_STARTUP:
        t->sipi_vector = ipi->vector;
        vcpu_request(t, VCPU_REQ_SIPI);
        break;
    default:            /* SMI, ExtINT: nothing in a guest to take them */
        log_debug("guest %s: IPI with delivery mode %u: dropped", src->guest->cfg.name,
                  ipi->delivery);
        break;
    }
}

/* An ICR write: to the guest's own vCPUs only. A destination that names
 * none of them reaches no one (not another guest, not Keel): counted. */
static void deliver(struct vcpu *src, const struct apic_ipi *ipi)
{
    struct guest *g = src->guest;
    unsigned hits = 0;
    struct vcpu *lowest = NULL;
    for (unsigned i = 0; i < g->vcpu_count; i++) {
        struct vcpu *t = &g->vcpus[i];
        bool match;
        switch (ipi->shorthand) {
        case APIC_SH_SELF: match = t == src; break;
        case APIC_SH_ALL: match = true; break;
        case APIC_SH_OTHERS: match = t != src; break;
        default: match = vlapic_match_dest(&t->apic, ipi->dest, ipi->logical); break;
        }
        if (!match)
            continue;
        hits++;
        /* Lowest priority (SDM "Lowest Priority Delivery Mode"): the
         * matching vCPU whose TPR is lowest, the first of equals. Another
         * vCPU's TPR is read as it is now: a hint, as on hardware. */
        if (ipi->delivery == APIC_DM_LOWEST) {
            if (!lowest || (__atomic_load_n(&t->apic.page[APIC_TPR / 4], __ATOMIC_RELAXED) & 0xf0) <
                               (__atomic_load_n(&lowest->apic.page[APIC_TPR / 4], __ATOMIC_RELAXED) & 0xf0))
                lowest = t;
            continue;
        }
        deliver_one(src, t, ipi);
    }
    if (lowest)
        deliver_one(src, lowest, ipi);
    if (!hits && ipi->shorthand == APIC_SH_NONE) {
        unsigned n = __atomic_add_fetch(&g->ipis_dropped, 1, __ATOMIC_RELAXED);
        if (n <= IPIS_DROPPED_LOGGED)
            log_warn("guest %s: IPI from vCPU %u to %s destination 0x%x (vector 0x%x): no "
                     "such vCPU in this guest: dropped", g->cfg.name, src->index,
                     ipi->logical ? "logical" : "physical", ipi->dest, ipi->vector);
    }
}

/* A device interrupt for vCPU `t`. `self`: the vCPU whose exit this CPU
 * handles, or NULL. */
void vapic_deliver_msg_to(struct vcpu *t, struct vcpu *self, const struct apic_ipi *m)
{
    switch (m->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (t != self) {
            if (m->trigger_level)
                post_level(t, m->vector);
            else
                post(t, m->vector);
        } else if (!m->trigger_level) {
            raise_own(t, m->vector, false);
        } else if (vlapic_accept(&t->apic, m->vector, true)) {
            t->level_seen = true;
            interrupt_requested(t);
        }
        break;
    case APIC_DM_NMI:
        if (vmcs_config.ctl[VMX_PIN] & VMX_PIN_VIRTUAL_NMIS)
            vcpu_request(t, VCPU_REQ_NMI);
        break;
    case APIC_DM_INIT:
        vcpu_request(t, VCPU_REQ_INIT);
        break;
    case APIC_DM_EXTINT:
        __atomic_fetch_or(&t->irq_work, IRQ_WORK_EXTINT, __ATOMIC_SEQ_CST);
        __atomic_fetch_or(&t->pir_pending, PIR_PENDING_WORK, __ATOMIC_SEQ_CST);
        if (t == self)
            vcpu_request_self(t, VCPU_REQ_EVENT);
        else
            vcpu_request(t, VCPU_REQ_EVENT);
        break;
    default:            /* SMI: nothing in a guest to take it */
        break;
    }
}

void vapic_deliver_msg(struct guest *g, struct vcpu *self, const struct apic_ipi *m)
{
    struct vcpu *lowest = NULL;
    for (unsigned i = 0; i < g->vcpu_count; i++) {
        struct vcpu *t = &g->vcpus[i];
        /* The message's 8-bit destination: 0xff is everyone in x2APIC
         * mode too (as KVM has it without interrupt remapping). */
        uint32_t dest = m->dest;
        if (dest == 0xff && vlapic_x2apic_mode(&t->apic))
            dest = 0xffffffffu;
        if (!vlapic_match_dest(&t->apic, dest, m->logical))
            continue;
        if (m->delivery == APIC_DM_LOWEST) {     /* as deliver() chooses */
            if (!lowest || (__atomic_load_n(&t->apic.page[APIC_TPR / 4], __ATOMIC_RELAXED) & 0xf0) <
                               (__atomic_load_n(&lowest->apic.page[APIC_TPR / 4], __ATOMIC_RELAXED) & 0xf0))
                lowest = t;
            continue;
        }
        vapic_deliver_msg_to(t, self, m);
    }
    if (lowest)
        vapic_deliver_msg_to(lowest, self, m);
}

/* The EOI of a level-triggered vector goes on to the I/O APIC (SDM
 * "Signaling Interrupt Servicing Completion"): out of line, rare. */
static __attribute__((noinline)) void eoi_level(struct vcpu *v, int vector)
{
    if (vector >= 0 && vlapic_level_triggered(&v->apic, (uint8_t)vector))
        irq_eoi(v->guest, v, (uint8_t)vector);
}

/* vapic_x2apic_eoi once the guest has had a level-triggered interrupt:
 * out of line, so that the EOI of a guest that never has one costs one
 * test more. */
static __attribute__((noinline)) bool eoi_maybe_level(struct vcpu *v)
{
    eoi_level(v, vlapic_eoi_summary(&v->apic));
    if (!v->apicv && v->apic.irr_words)
        vcpu_inject_now(v);
    return true;
}

/* After an APIC register write: what the pre-entry step must redo. An
 * EOI, TPR or SVR write may unblock a requested vector; only the emulated
 * path injects (with virtual-interrupt delivery the CPU re-evaluates).
 * An APIC error may have raised the LVT error vector in IRR: with
 * virtual-interrupt delivery the pre-entry step sets RVI from IRR (while
 * errors wait in the ESR, which is seldom). The EOI of a level-triggered
 * vector reaches the I/O APIC first (which may deliver it again). */
static inline __attribute__((always_inline)) void after_write(struct vcpu *v, enum vlapic_result r,
                                                               const struct apic_ipi *ipi, int eoi,
                                                               uint64_t old_deadline)
{
    if (r == VLAPIC_EOI && v->level_seen)
        eoi_level(v, eoi);
    if (r == VLAPIC_IPI)
        deliver(v, ipi);
    else if (!v->apicv && v->apic.irr_words)
        vcpu_inject_now(v);
    else if (v->apicv && v->apic.errors_pending)
        vcpu_request_self(v, VCPU_REQ_EVENT);
    if (v->apic.timer_deadline != old_deadline)
        timer_changed(v, false);
}

bool vapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val, bool *gp)
{
    *gp = false;
    if (msr == MSR_IA32_APIC_BASE)
        *val = v->apic.apic_base;
    else if (msr == MSR_IA32_TSC_DEADLINE)
        *val = vlapic_tsc_deadline_read(&v->apic);
    else if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST)
        *gp = vlapic_msr_read(&v->apic, msr, rdtsc(), val) == VLAPIC_GP;
    else
        return false;
    return true;
}

/* The APIC changed mode (IA32_APIC_BASE): with APIC virtualization the
 * controls and the MSR bitmap follow it. */
static void mode_changed(struct vcpu *v)
{
    if (!v->apicv)
        return;
    bool x2apic = vlapic_x2apic_mode(&v->apic);
    uint32_t proc, proc2;
    vmcs_apic_controls(&vmcs_config, true, x2apic, &proc, &proc2);
    vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    vmwrite(VMCS_MSR_BITMAP, vmx_msr_bitmap(x2apic));
}

#define X2APIC_MSR(reg) (MSR_X2APIC_FIRST + (reg) / 16)

bool vapic_x2apic_eoi(struct vcpu *v)
{
    struct vlapic *l = &v->apic;
    if (!vlapic_x2apic_mode(l))
        return false;
    if (__builtin_expect(v->level_seen, 0))
        return eoi_maybe_level(v);
    vlapic_eoi_summary(l);
    if (!v->apicv && l->irr_words)      /* a requested vector may be unblocked */
        vcpu_inject_now(v);
    return true;
}

bool vapic_x2apic_self_ipi(struct vcpu *v, uint64_t val)
{
    struct vlapic *l = &v->apic;
    if (val < 16 || val > 0xff || !vlapic_x2apic_mode(l))
        return false;
    return vcpu_deliver_at_once(v, (uint8_t)val, true) || raise_through_irr(v, (uint8_t)val);
}

/* The common IPI to another vCPU of the guest (its x2APIC ID is its
 * index, read-only): stored as the general path stores it, then posted,
 * as deliver_one does; false for anything else (the general path then
 * decides: the reserved bits' #GP, an illegal vector's ESR, self,
 * logical, broadcast, the other delivery modes). */
bool vapic_x2apic_icr(struct vcpu *v, uint64_t val)
{
    struct guest *g = v->guest;
    uint32_t dest = (uint32_t)(val >> 32);
    if (dest >= g->vcpu_count || dest == v->index)
        return false;
    struct vcpu *t = &g->vcpus[dest];
    if (!vlapic_match_dest(&t->apic, dest, false) || !vlapic_x2apic_icr_fixed(&v->apic, val, &dest))
        return false;
    post(t, (uint8_t)val);
    return true;
}

bool vapic_x2apic_tmict(struct vcpu *v, uint64_t val)
{
    struct vlapic *l = &v->apic;
    if (val > 0xffffffffu || !vlapic_x2apic_mode(l))
        return false;
    uint64_t before = l->timer_deadline;
    vlapic_write_initial_count(l, (uint32_t)val, rdtsc());
    if (l->timer_deadline != before)
        timer_changed(v, true);
    return true;
}

bool vapic_tsc_deadline(struct vcpu *v, uint64_t val)
{
    uint64_t before = v->apic.timer_deadline;
    vlapic_tsc_deadline_write(&v->apic, val, rdtsc());
    if (v->apic.timer_deadline != before)
        timer_changed(v, true);
    return true;
}

bool vapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val, bool *gp)
{
    *gp = false;
    uint64_t old = v->apic.timer_deadline;
    struct apic_ipi ipi;
    int eoi;
    enum vlapic_result r = VLAPIC_OK;
    if (msr == MSR_IA32_APIC_BASE) {
        bool x2apic = vlapic_x2apic_mode(&v->apic);
        r = vlapic_set_base(&v->apic, val);
        if (x2apic != vlapic_x2apic_mode(&v->apic))
            mode_changed(v);
        if (v->apicv)
            vcpu_request_self(v, VCPU_REQ_EVENT);   /* RVI follows a reset IRR */
    } else if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST)
        r = vlapic_msr_write(&v->apic, msr, val, rdtsc(), &ipi, &eoi);
    else
        return false;
    if (r == VLAPIC_GP)
        *gp = true;
    else
        after_write(v, r, &ipi, eoi, old);
    return true;
}

bool vapic_mmio(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val)
{
    /* The page answers only while the APIC is enabled in xAPIC mode. */
    if (!(v->apic.apic_base & APIC_BASE_EN) || vlapic_x2apic_mode(&v->apic)) {
        if (!write)
            *val = ~0ull;
        return true;
    }
    if (!write) {
        /* The SDM asks for aligned 32-bit accesses; a narrower read inside
         * one register gets its bytes (as the CPU's APIC virtualization
         * gives them), anything else reads 0. */
        unsigned shift = 8 * (unsigned)(offset & 3);
        uint32_t reg = vlapic_mmio_read(&v->apic, (uint32_t)(offset & ~3ull), rdtsc());
        *val = (offset & 3) + size <= 4 ? (reg >> shift) & (uint32_t)(((1ull << (8 * size)) - 1)) : 0;
        return true;
    }
    if (size != 4)
        return true;    /* the SDM: 32-bit accesses only; others are dropped */
    uint64_t old = v->apic.timer_deadline;
    struct apic_ipi ipi;
    int eoi;
    enum vlapic_result r = vlapic_mmio_write(&v->apic, (uint32_t)offset, (uint32_t)*val, rdtsc(),
                                             &ipi, &eoi);
    after_write(v, r, &ipi, eoi, old);
    return true;
}

const struct mmio_range *vapic_mmio_range(const struct guest *g)
{
    for (unsigned i = 0; i < g->mmio_count; i++)
        if (g->mmio[i].base == VAPIC_MMIO_BASE)
            return &g->mmio[i];
    return NULL;
}

void vapic_apic_write(struct vcpu *v, uint32_t offset)
{
    uint64_t old = v->apic.timer_deadline;
    struct apic_ipi ipi;
    int eoi;
    uint32_t val = v->apic.page[(offset & 0xff0) / 4];
    enum vlapic_result r = vlapic_mmio_write(&v->apic, offset & 0xff0, val, rdtsc(), &ipi, &eoi);
    /* The CPU put the write in the page before the exit; a read-only
     * register gets its value back (the ID is the one it can name). */
    if ((offset & 0xff0) == APIC_ID)
        v->apic.page[APIC_ID / 4] = (v->apic.id & 0xff) << 24;
    after_write(v, r, &ipi, eoi, old);
}

uint64_t vapic_get_cr8(struct vcpu *v)
{
    return (v->apic.page[APIC_TPR / 4] >> 4) & 0xf;
}

void vapic_set_cr8(struct vcpu *v, uint64_t cr8)
{
    vlapic_set_tpr(&v->apic, (uint32_t)(cr8 & 0xf) << 4);
    vcpu_request_self(v, VCPU_REQ_EVENT);
}

void vapic_timer_check(struct vcpu *v, uint64_t now)
{
    timer_check(v, now, false);
    if (v->device_deadline && now >= v->device_deadline)
        irq_device_timer(v, now);
}

void vapic_eoi_exit(struct vcpu *v, uint8_t vector)
{
    eoi_level(v, vector);
}
