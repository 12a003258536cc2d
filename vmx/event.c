/* Events into the guest: the one owner of the VM-entry interruption-
 * information field (KVM vmx_inject_irq/vmx_inject_nmi, and
 * vmx_complete_interrupts for the IDT-vectoring information; bhyve
 * vmx_inject_interrupts). SDM "Event Injection", "Information for VM
 * Exits During Event Delivery", "Interrupt-Window Exiting". */
#include "arch/x86/cpu.h"
#include "kernel/gdb/stub.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "vmx/event.h"
#include "arch/x86/lapic.h"
#include "vmx/exit.h"
#include "vmx/vapic.h"
#include "vmx/dev/vlapic.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

void inject_exception(uint8_t vector, bool has_error_code, uint32_t error_code)
{
    uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION << 8 | vector;
    /* Real mode has no error codes: with CR0.PE = 0 the VM-entry checks on
     * event injection require "deliver error code" to be 0. */
    if (has_error_code && (vmread(VMCS_GUEST_CR0) & X86_CR0_PE)) {
        info |= INTR_INFO_ERROR_CODE;
        vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
    }
    vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD, info);
}

void event_save_vectoring_slow(struct vcpu *v, uint32_t info)
{
    /* Bit 12 is undefined in IDT-vectoring information; the rest has the
     * VM-entry format. Software interrupts and exceptions need their
     * instruction length to be delivered again. */
    v->reinject = info & ~(1u << 12);
    if (info & INTR_INFO_ERROR_CODE)
        v->reinject_error = (uint32_t)vmread(VMCS_IDT_VECTORING_ERROR_CODE);
    v->reinject_len = (uint32_t)vmread(VMCS_VM_EXIT_INSTRUCTION_LEN);
    vcpu_request_self(v, VCPU_REQ_EVENT);
}

/* A wake-up already on its way to a stuck vCPU: a SIPI for one waiting for
 * it, an NMI for one halted with interrupts off. A vCPU sends them before
 * it can be counted stuck itself, so when the last one is counted every
 * such request is visible. */
static bool wake_pending(const struct vcpu *t)
{
    uint32_t req = __atomic_load_n(&t->requests, __ATOMIC_SEQ_CST);
    if (t->activity == VCPU_WAIT_FOR_SIPI)
        return req & VCPU_REQ_SIPI;
    return (req & (VCPU_REQ_NMI | VCPU_REQ_INIT)) || t->nmi_pending;
}

bool vcpu_mark_stuck(struct vcpu *v, const char *why)
{
    struct guest *g = v->guest;
    if (!v->stuck) {
        v->stuck = true;
        if (__atomic_add_fetch(&g->vcpus_stuck, 1, __ATOMIC_SEQ_CST) == g->vcpu_count) {
            for (unsigned i = 0; i < g->vcpu_count; i++)
                if (wake_pending(&g->vcpus[i]))
                    return false;
            guest_stop(g, "%s at RIP 0x%llx with interrupts off and no interrupt source", why,
                       (unsigned long long)vmread(VMCS_GUEST_RIP));
            return true;
        }
    }
    return false;
}

void vcpu_unmark_stuck(struct vcpu *v)
{
    if (v->stuck) {
        v->stuck = false;
        __atomic_sub_fetch(&v->guest->vcpus_stuck, 1, __ATOMIC_SEQ_CST);
    }
}

void vcpu_wake_halted(struct vcpu *v)
{
    vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
    v->activity = VCPU_ACTIVE;
    vcpu_unmark_stuck(v);
}

static void set_window(struct vcpu *v, uint32_t bit, bool on)
{
    uint32_t ctl = on ? v->proc_ctl | bit : v->proc_ctl & ~bit;
    if (ctl != v->proc_ctl) {
        v->proc_ctl = ctl;
        vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, ctl);
    }
}

/* An event to re-deliver, then an NMI: out of line, they are rare. Returns
 * the injection slot as it now is; sets *nmi_window when an NMI waits,
 * *intr_window when an interrupt to re-deliver does. */
static __attribute__((noinline)) uint32_t inject_reinject_nmi(struct vcpu *v, uint32_t slot,
                                                              bool *nmi_window, bool *intr_window)
{
    if (v->reinject && (slot & INTR_INFO_VALID)) {
        /* The exit's handler filled the slot (an exception raised by this
         * event's delivery, reflected): an interrupt or NMI waits for its
         * window; an exception is dropped (the one in the slot is what
         * its delivery came to). */
        if (INTR_INFO_TYPE(v->reinject) == INTR_TYPE_NMI) {
            v->nmi_pending = true;
            v->reinject = 0;
        } else if (INTR_INFO_TYPE(v->reinject) == INTR_TYPE_EXT_INTR) {
            *intr_window = true;
        } else {
            v->reinject = 0;
        }
    }
    if (v->reinject && !*intr_window) {
        if (!(slot & INTR_INFO_VALID)) {
            slot = v->reinject;
            vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD, slot);
            /* An exit during NMI delivery may leave blocking by NMI set
             * (virtual NMIs); injecting an NMI requires it clear (SDM
             * "Checks on Guest Non-Register State"). */
            if (INTR_INFO_TYPE(slot) == INTR_TYPE_NMI) {
                uint64_t block = vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO);
                if (block & BLOCKING_BY_NMI)
                    vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, block & ~(uint64_t)BLOCKING_BY_NMI);
            }
            if (slot & INTR_INFO_ERROR_CODE)
                vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, v->reinject_error);
            vmwrite(VMCS_VM_ENTRY_INSTRUCTION_LEN, v->reinject_len);
        }
        v->reinject = 0;
    }
    if (v->nmi_pending) {
        uint32_t block = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO);
        if (!(slot & INTR_INFO_VALID) &&
            !(block & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS | BLOCKING_BY_NMI))) {
            slot = INTR_INFO_VALID | INTR_TYPE_NMI << 8 | VECTOR_NMI;
            vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD, slot);
            v->nmi_pending = false;
            vcpu_wake(v);
        } else {
            *nmi_window = vmcs_config.ctl[VMX_PIN] & VMX_PIN_VIRTUAL_NMIS;
        }
    }
    return slot;
}

/* Virtual-interrupt delivery: the CPU takes the interrupt from the
 * virtual-APIC page when the guest can; Keel sets RVI to the highest
 * requested vector (SDM "Guest Interrupt Status"). */
static void request_virtual_interrupt(struct vcpu *v)
{
    int irr = vlapic_highest_irr(&v->apic);
    uint64_t status = vmread(VMCS_GUEST_INTR_STATUS);
    uint64_t want = (status & 0xff00) | (uint64_t)(irr < 0 ? 0 : irr);
    if (want != status)
        vmwrite(VMCS_GUEST_INTR_STATUS, want);
    if (v->activity == VCPU_HALTED && vlapic_irr_pending(&v->apic, irr) &&
        (vmread(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF))
        vcpu_wake_halted(v);    /* out of HLT: the CPU delivers on entry */
}

/* What can go in this entry's single injection slot: an event to
 * re-deliver first, then an NMI, then the APIC's highest interrupt; or a
 * window exit for when the guest can take it. */
static void inject_pending(struct vcpu *v)
{
    bool nmi_window = false, intr_window = false;
    bool first = __builtin_expect(v->reinject || v->nmi_pending, 0);
    /* With virtual-interrupt delivery only those fill the slot */
    uint32_t slot = first || !v->apicv ? (uint32_t)vmread(VMCS_VM_ENTRY_INTR_INFO_FIELD) : 0;
    if (first)
        slot = inject_reinject_nmi(v, slot, &nmi_window, &intr_window);
    if (v->apicv) {
        request_virtual_interrupt(v);
    } else {
        int vector = vlapic_pending(&v->apic);
        if (vector >= 0) {
            if (!(slot & INTR_INFO_VALID) &&
                !(vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO) & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)) &&
                (vmread(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF)) {
                vlapic_ack(&v->apic, (uint8_t)vector);
                vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD,
                        INTR_INFO_VALID | INTR_TYPE_EXT_INTR << 8 | (uint32_t)vector);
                vcpu_wake(v);
                /* another one behind it? (the emulated APIC keeps which
                 * IRR words are non-empty) */
                intr_window = intr_window || (v->apic.irr_words && vlapic_pending(&v->apic) >= 0);
            } else {
                intr_window = true;
            }
        }
    }
    if (__builtin_expect(nmi_window || intr_window ||
                         (v->proc_ctl & (VMX_PROC_NMI_WINDOW_EXITING | VMX_PROC_INTR_WINDOW_EXITING)), 0)) {
        set_window(v, VMX_PROC_NMI_WINDOW_EXITING, nmi_window);
        set_window(v, VMX_PROC_INTR_WINDOW_EXITING, intr_window);
    }
}

void vcpu_inject_now(struct vcpu *v)
{
    inject_pending(v);
}

/* The timer: the VMX-preemption timer counts to whichever comes first,
 * the APIC timer, the PIT's next interrupt (vcpu.device_deadline, vCPU 0:
 * vmx/dev/irq.c), the time budget or the watchdog (vcpu_watchdog_ticks).
 * It counts only in VMX non-root operation (its value is saved on exit):
 * while the APIC timer or the PIT is armed, every entry sets it again
 * from the TSC (VCPU_REQ_TIMER stays set), so that time spent in Keel is
 * not lost; the budget needs no such care. */
static void arm_timer(struct vcpu *v)
{
    uint64_t d = v->deadline, apic = v->apic.timer_deadline, dev = v->device_deadline;
    if (apic && (!d || apic < d))
        d = apic;
    if (dev && (!d || dev < d))
        d = dev;
    v->timer_deadline = d;
    if (vmx_has_preemption_timer()) {
        uint64_t now = rdtsc(), wait = d > now ? d - now : 0;
        vmwrite(VMCS_VMX_PREEMPTION_TIMER_VALUE,
                vmx_preemption_timer_value(d && wait < vcpu_watchdog_ticks() ? wait
                                                                             : vcpu_watchdog_ticks(),
                                           v->preempt_shift));
    } else if (vmx_host_timer) {         /* the local APIC timer stands in (vmx.h) */
        uint64_t now = rdtsc(), watchdog = now + vcpu_watchdog_ticks();
        lapic_timer_at(d && d < watchdog ? (d > now ? d : now) : watchdog);
    }
}

void vcpu_snapshot_take(struct vcpu *v)
{
    struct vcpu_snapshot *s = __atomic_exchange_n(&v->snapshot, NULL, __ATOMIC_ACQUIRE);
    if (!s)
        return;
    s->regs = v->regs;
    vmcs_read_image(&s->vmcs);
    s->activity = v->activity;
    __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
}

/* The monitor's requests (kernel/monitor_vcpu.c, monitor_control.c), out
 * of line: the snapshot, and the pause: wait here, outside the guest and
 * holding no lock, until resumed or stopped, meanwhile answering
 * snapshots and polling the console (a paused guest's CPUs may be the
 * only ones left to read `resume`; the monitor reads this vCPU directly
 * then). Returns the requests left to act on, those that came during the
 * pause with them. */
static __attribute__((noinline)) uint32_t monitor_requests(struct vcpu *v, uint32_t req)
{
    struct guest *g = v->guest;
    if (req & VCPU_REQ_CONSOLE)         /* from a light exit (vmx/exit.c) */
        console_input_poll(rdtsc());
    if (req & VCPU_REQ_SNAPSHOT)
        vcpu_snapshot_take(v);
    if (req & VCPU_REQ_TRACE)
        trace_vcpu_apply(v);
    if ((req & VCPU_REQ_GDB_STEP) && gdb_stub_step_check(v))
        req |= VCPU_REQ_PAUSE;          /* the step ended in an exit Keel emulated */
    if (!(req & VCPU_REQ_PAUSE) || (req & VCPU_REQ_STOP))
        return req;
    __atomic_add_fetch(&g->vcpus_paused, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&g->paused, __ATOMIC_ACQUIRE) &&
           !(__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_STOP)) {
        if (__atomic_fetch_and(&v->requests, ~VCPU_REQ_SNAPSHOT, __ATOMIC_ACQUIRE) &
            VCPU_REQ_SNAPSHOT)
            vcpu_snapshot_take(v);
        console_input_poll(rdtsc());
        gdb_stub_paused(v, false);      /* GDB's requests, when it stopped the guest */
        smp_poll_call();
        cpu_relax();
    }
    gdb_stub_paused(v, true);
    __atomic_sub_fetch(&g->vcpus_paused, 1, __ATOMIC_SEQ_CST);
    uint32_t more = __atomic_exchange_n(&v->requests, 0, __ATOMIC_ACQUIRE);
    if (more & VCPU_REQ_SNAPSHOT)
        vcpu_snapshot_take(v);
    if (more & VCPU_REQ_PAUSE)          /* paused again meanwhile: at the next exit */
        vcpu_request_self(v, VCPU_REQ_PAUSE);
    if (more & VCPU_REQ_GDB_STEP)       /* GDB's step begins: checked after each exit */
        vcpu_request_self(v, VCPU_REQ_GDB_STEP);
    if (more & VCPU_REQ_TRACE)
        trace_vcpu_apply(v);
    return (req | more) & ~VCPU_REQ_MONITOR;
}

int vcpu_pre_entry(struct vcpu *v, int act)
{
    if (act == EXIT_STOP)
        return act;
    uint32_t req = __atomic_exchange_n(&v->requests, 0, __ATOMIC_ACQUIRE);
    /* One test, as before the monitor's bits: they share STOP's branch. */
    if (__builtin_expect(req & (VCPU_REQ_STOP | VCPU_REQ_MONITOR), 0)) {
        if (req & VCPU_REQ_MONITOR)
            req = monitor_requests(v, req);
        if (req & VCPU_REQ_STOP) {
            vcpu_request_self(v, VCPU_REQ_STOP);    /* vcpu_run looks at it */
            return EXIT_STOP;
        }
    }
    if (req & VCPU_REQ_INIT) {
        /* INIT: the APIC resets (keeping its mode), pending events go, the
         * vCPU waits for SIPI outside the guest (vcpu_run); a SIPI that
         * came with the INIT is kept for that wait. */
        vapic_init_signal(v);
        v->reinject = 0;
        v->nmi_pending = false;
        v->activity = VCPU_WAIT_FOR_SIPI;
        if (req & VCPU_REQ_SIPI)
            vcpu_request_self(v, VCPU_REQ_SIPI);
        return EXIT_STOP;
    }
    /* A SIPI is for a vCPU waiting for one (vcpu_run); here it is dropped,
     * as the SDM says of a SIPI to a CPU not in wait-for-SIPI. */
    if (req & VCPU_REQ_NMI)
        v->nmi_pending = true;
    if (req & (VCPU_REQ_EVENT | VCPU_REQ_NMI) || v->nmi_pending || v->reinject) {
        if (!vapic_sync(v) ||
            (v->proc_ctl & (VMX_PROC_NMI_WINDOW_EXITING | VMX_PROC_INTR_WINDOW_EXITING)))
            inject_pending(v);
    }
    /* Last, so that the time spent above is not taken from the guest's
     * timer (it counts only in the guest). */
    if (req & VCPU_REQ_TIMER) {
        arm_timer(v);
        if (v->apic.timer_deadline || v->device_deadline)
            vcpu_request_self(v, VCPU_REQ_TIMER);
    }
    return act;
}

/* The pre-entry step when VCPU_REQ_TIMER is the one request and the exit
 * was light (vmx/entry.asm): the re-arm is all there is to do, and it
 * needs no register saved (KVM re-arms its hypervisor timer on every
 * entry the same way). The request stays while a deadline does. */
void vcpu_rearm_timer(struct vcpu *v)
{
    arm_timer(v);
    if (!v->apic.timer_deadline && !v->device_deadline)
        __atomic_fetch_and(&v->requests, ~VCPU_REQ_TIMER, __ATOMIC_ACQUIRE);
}
