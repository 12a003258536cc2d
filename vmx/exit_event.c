/* Events: NMIs, external interrupts, triple faults, HLT. */
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ops.h"

#define INTR_INFO_VECTOR(i) ((i) & 0xff)
#define INTR_INFO_TYPE(i)   (((i) >> 8) & 7)
#define INTR_TYPE_NMI 2

enum exit_action exit_exception_nmi(struct vcpu *v)
{
    uint32_t info = (uint32_t)vmread(VMCS_VM_EXIT_INTR_INFO);
    if (INTR_INFO_TYPE(info) != INTR_TYPE_NMI)
        return exit_unexpected(v);      /* the exception bitmap is empty */
    if (smp_stopping)
        smp_nmi_stop();                 /* another CPU is stopping the machine */
    log_warn("NMI while guest %s ran, not asked for by Keel: ignored", v->guest->cfg.name);
    return EXIT_RESUME;
}

enum exit_action exit_external_interrupt(struct vcpu *v)
{
    (void)v;
    if (vmcs_config.ctl[VMX_EXIT] & VMX_EXIT_ACK_INTR_ON_EXIT) {
        /* Acknowledged on exit: the vector is in the exit information and
         * the only source is smp_call's IPI. */
        uint32_t vector = INTR_INFO_VECTOR((uint32_t)vmread(VMCS_VM_EXIT_INTR_INFO));
        if (vector != LAPIC_SPURIOUS_VECTOR)
            lapic_eoi();
    } else {
        asm volatile("sti; nop; cli" ::: "memory");     /* let the IDT take it */
    }
    smp_poll_call();
    return EXIT_RESUME;
}

enum exit_action exit_triple_fault(struct vcpu *v)
{
    guest_stop(v->guest, "triple fault (shutdown) at RIP 0x%llx: the guest could not "
               "deliver an exception", (unsigned long long)vmread(VMCS_GUEST_RIP));
    return EXIT_STOP;
}

/* The time budget (time=): the timer may fire before the deadline when the
 * budget is longer than its 32-bit field holds; then it is re-armed. */
enum exit_action exit_preemption_timer(struct vcpu *v)
{
    uint64_t now = rdtsc();
    if (now < v->deadline) {
        vmwrite(VMCS_VMX_PREEMPTION_TIMER_VALUE, vmx_preemption_timer_value(v->deadline - now));
        return EXIT_RESUME;
    }
    guest_stop(v->guest, "still running after its %llu s time budget (time=), at RIP 0x%llx",
               (unsigned long long)v->guest->cfg.time_s,
               (unsigned long long)vmread(VMCS_GUEST_RIP));
    return EXIT_STOP;
}

enum exit_action exit_hlt(struct vcpu *v)
{
    /* Keel gives guests no interrupt source yet, so HLT never ends. */
    uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);
    guest_stop(v->guest, "halted at RIP 0x%llx with interrupts %s and no interrupt source",
               (unsigned long long)vmread(VMCS_GUEST_RIP), rflags & X86_RFLAGS_IF ? "on" : "off");
    return EXIT_STOP;
}
