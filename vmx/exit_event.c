/* Events: NMIs, external interrupts (kicks), the interrupt and NMI
 * windows, triple faults, the VMX-preemption timer, HLT. */
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "kernel/gdb/stub.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "vmx/exit.h"
#include "vmx/vapic.h"
#include "vmx/vmx.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ops.h"
#include "vmx/gpr.h"

#define VECTOR_BP 3             /* INT3: in the exception bitmap while GDB is attached */

/* #DB or #AC (the exception bitmap, vmcs_image.c): delivered to the guest
 * as the CPU would have, after an event whose delivery it interrupted is
 * kept for re-delivery (an exception there is dropped: this one came of
 * its delivery, as the CPU would deliver it). #DB: the exit qualification
 * holds the DR6 bits the CPU did not write (SDM "Exit Qualification for
 * Debug Exceptions"); a #DB from ICEBP (INT1) goes back as the privileged
 * software exception it was, with its length. */
static enum exit_action reflect_exception(struct vcpu *v, uint32_t info)
{
    event_save_vectoring(v);
    unsigned vector = INTR_INFO_VECTOR(info);
    if (vector == VECTOR_AC) {
        inject_exception(VECTOR_AC, true, 0);
        return EXIT_RESUME;
    }
    if (vector == VECTOR_BP) {
        /* in the bitmap only while GDB is attached (kernel/gdb/stub.c):
         * its breakpoint stops the guest at the INT3; any other goes back
         * as the software exception it was */
        if (gdb_stub_breakpoint(v))
            return EXIT_RESUME;
        vmwrite(VMCS_VM_ENTRY_INSTRUCTION_LEN, vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
        vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD,
                INTR_INFO_VALID | INTR_TYPE_SW_EXCEPTION << 8 | VECTOR_BP);
        return EXIT_RESUME;
    }
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    if (gdb_stub_debug(v, q))           /* GDB's step, breakpoint or watchpoint */
        return EXIT_RESUME;
    v->dr6 |= q & DR6_STATUS;
    if (q & DR6_BD)             /* general detect: DR7.GD clears (SDM "Debug Control Register") */
        vmwrite(VMCS_GUEST_DR7, vmread(VMCS_GUEST_DR7) & ~DR7_GD);
    if (INTR_INFO_TYPE(info) == INTR_TYPE_PRIV_SW_EXC) {
        vmwrite(VMCS_VM_ENTRY_INSTRUCTION_LEN, vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
        vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD,
                INTR_INFO_VALID | INTR_TYPE_PRIV_SW_EXC << 8 | VECTOR_DB);
    } else {
        inject_exception(VECTOR_DB, false, 0);
    }
    return EXIT_RESUME;
}

enum exit_action exit_exception_nmi(struct vcpu *v)
{
    uint32_t info = (uint32_t)vmread(VMCS_VM_EXIT_INTR_INFO);
    if (INTR_INFO_TYPE(info) != INTR_TYPE_NMI) {
        unsigned vector = INTR_INFO_VECTOR(info);
        if (vector == VECTOR_DB || vector == VECTOR_AC || vector == VECTOR_BP)
            return reflect_exception(v, info);
        return exit_unexpected(v);      /* only #DB, #AC (and #BP for GDB) are in the bitmap */
    }
    event_save_vectoring(v);
    if (smp_stopping)
        smp_nmi_stop();                 /* another CPU is stopping the machine */
    log_warn("NMI while guest %s ran, not asked for by Keel: ignored", v->guest->cfg.name);
    return EXIT_RESUME;
}

/* The monitor trap flag: set only for GDB's single step (kernel/gdb/stub.c). */
enum exit_action exit_monitor_trap(struct vcpu *v)
{
    return gdb_stub_trap(v) ? EXIT_RESUME : exit_unexpected(v);
}

/* Keel's own interrupts: a kick (a request waits: the pre-entry step
 * takes it), or smp_call's work. */
enum exit_action exit_external_interrupt(struct vcpu *v)
{
    event_save_vectoring(v);
    if (vmcs_config.ctl[VMX_EXIT] & VMX_EXIT_ACK_INTR_ON_EXIT) {
        /* Acknowledged on exit: the vector is in the exit information. */
        uint32_t vector = INTR_INFO_VECTOR((uint32_t)vmread(VMCS_VM_EXIT_INTR_INFO));
        if (vector != LAPIC_SPURIOUS_VECTOR)
            lapic_eoi();
        if (vector == LAPIC_TIMER_VECTOR)    /* no VMX-preemption timer: its stand-in */
            return exit_preemption_timer(v);
    } else {
        asm volatile("sti; nop; cli" ::: "memory");     /* let the IDT take it */
    }
    smp_poll_call();
    return EXIT_RESUME;
}

/* The guest can take an interrupt (or NMI) now: the pre-entry step
 * injects it and closes the window. */
enum exit_action exit_interrupt_window(struct vcpu *v)
{
    vcpu_request_self(v, VCPU_REQ_EVENT);
    return EXIT_RESUME;
}

enum exit_action exit_nmi_window(struct vcpu *v)
{
    vcpu_request_self(v, VCPU_REQ_EVENT);
    return EXIT_RESUME;
}

enum exit_action exit_triple_fault(struct vcpu *v)
{
    guest_stop(v->guest, "triple fault (shutdown) on vCPU %u at RIP 0x%llx: the guest could not "
               "deliver an exception", v->index, (unsigned long long)vmread(VMCS_GUEST_RIP));
    return EXIT_STOP;
}

/* The VMX-preemption timer counts to the nearer of the APIC timer and the
 * time budget (time=); it may also fire early when the wait is longer
 * than its 32-bit field holds. The pre-entry step re-arms it. */
enum exit_action exit_preemption_timer(struct vcpu *v)
{
    uint64_t now = rdtsc();
    vapic_timer_check(v, now);
    vcpu_request_self(v, VCPU_REQ_TIMER);       /* it has run out: set it again */
    console_input_poll_later(v, now);           /* the console is polled here */
    return budget_spent(v, now) ? EXIT_STOP : EXIT_RESUME;
}

bool budget_spent(struct vcpu *v, uint64_t now)
{
    if (!v->deadline || now < v->deadline)
        return false;
    guest_stop(v->guest, "still running after its %llu s time budget (time=), at RIP 0x%llx",
               (unsigned long long)v->guest->cfg.time_s,
               (unsigned long long)vmread(VMCS_GUEST_RIP));
    return true;
}

/* HLT waits in the guest, in the HLT activity state, until the pre-entry
 * step injects an interrupt or NMI (SDM "Guest Non-Register State"): the
 * CPU stays in VMX non-root operation and leaves only for a kick or the
 * timer. With interrupts off only an NMI, INIT or SIPI can end it: when no
 * vCPU of the guest is left to send one, the guest is stopped. */
enum exit_action exit_hlt(struct vcpu *v)
{
    guest_skip_instruction(vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
    vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
    v->activity = VCPU_HALTED;
    if (!(vmread(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF) && vcpu_mark_stuck(v, "halted"))
        return EXIT_STOP;
    vcpu_request_self(v, VCPU_REQ_EVENT);   /* anything pending ends the halt at once */
    return EXIT_RESUME;
}
