/* Events into the guest (SDM "Event Injection", "Information for VM Exits
 * During Event Delivery", "Interrupt-Window Exiting and Virtual-Interrupt
 * Delivery"): the one owner of the VM-entry interruption-information
 * field, and the step before every VM entry. */
#ifndef KEEL_VMX_EVENT_H
#define KEEL_VMX_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "kernel/console_input.h"
#include "vmx/dev/vlapic.h"
#include "vmx/guest.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ops.h"

/* Interruption-information format (VM-entry, VM-exit, IDT-vectoring) */
#define INTR_INFO_VALID          (1u << 31)
#define INTR_INFO_VECTOR(i)      ((i) & 0xff)
#define INTR_INFO_TYPE(i)        (((i) >> 8) & 7)
#define INTR_INFO_ERROR_CODE     (1u << 11)
#define INTR_TYPE_EXT_INTR       0
#define INTR_TYPE_NMI            2
#define INTR_TYPE_HW_EXCEPTION   3
#define INTR_TYPE_SW_INTR        4
#define INTR_TYPE_PRIV_SW_EXC    5
#define INTR_TYPE_SW_EXCEPTION   6

/* Guest interruptibility state */
#define BLOCKING_BY_STI    (1u << 0)
#define BLOCKING_BY_MOV_SS (1u << 1)
#define BLOCKING_BY_NMI    (1u << 3)

/* Guest activity state */
#define ACTIVITY_ACTIVE 0
#define ACTIVITY_HLT    1

#define VECTOR_DB 1
#define VECTOR_NMI 2
#define VECTOR_AC 17
#define DR6_BD (1u << 13)
#define DR7_GD (1u << 13)
#define VECTOR_UD 6
#define VECTOR_GP 13
void inject_exception(uint8_t vector, bool has_error_code, uint32_t error_code);

/* An exit that may have interrupted the delivery of an event: keep that
 * event to deliver again on the next entry (KVM vmx_complete_interrupts).
 * Inline: it is on the path of every EPT violation and kick. */
void event_save_vectoring_slow(struct vcpu *v, uint32_t info);
static inline void event_save_vectoring(struct vcpu *v)
{
    uint32_t info = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO_FIELD);
    if (__builtin_expect(info & INTR_INFO_VALID, 0))
        event_save_vectoring_slow(v, info);
}

/* The watchdog: with nothing nearer to wait for, the VMX-preemption timer
 * still ends a guest's run every VCPU_WATCHDOG_MS, so that a vCPU that
 * never exits on its own (a spin with interrupts off) sees a request
 * from another CPU within that time even where the kick does not make it
 * exit: Bochs 2.7 takes no external-interrupt exit while the guest's
 * RFLAGS.IF is 0, which the SDM says does not matter with
 * external-interrupt exiting. One exit each 100 ms costs nothing. */
/* For a second after a key is typed on Keel's console, every millisecond:
 * the console is polled on these exits (kernel/console_input.h). */
#define VCPU_WATCHDOG_HOT_MS 1
#define VCPU_WATCHDOG_MS 100
/* The two in TSC ticks (vcpu_cpu_prepare sets them once the TSC is known). */
extern uint64_t vcpu_watchdog_cold, vcpu_watchdog_hot;
static inline uint64_t vcpu_watchdog_ticks(void)
{
    return __builtin_expect(console_hot_until != 0, 0) ? vcpu_watchdog_hot : vcpu_watchdog_cold;
}

/* The pre-entry step (vmx_handle_exit calls it when v->requests is set):
 * act on requests, re-inject, inject the highest pending NMI or
 * interrupt, or ask for a window. Returns what vmx_run should do. */
int vcpu_pre_entry(struct vcpu *v, int act);
void vcpu_rearm_timer(struct vcpu *v);

/* A request the vCPU makes of itself (no kick needed). */
static inline void vcpu_request_self(struct vcpu *v, uint32_t req)
{
    __atomic_fetch_or(&v->requests, req, __ATOMIC_RELAXED);
}

/* The console's poll (kernel/console_input.h), from an exit that may not
 * run it: it asks the pre-entry step to, when the poll is due. */
static inline void console_input_poll_later(struct vcpu *v, uint64_t now)
{
    if (__builtin_expect(now >= console_poll_due, 0))
        vcpu_request_self(v, VCPU_REQ_CONSOLE);
}

/* Inject the APIC's highest deliverable interrupt now, from an exit
 * handler that just made one requestable (emulated APIC only), or open a
 * window for it: what the pre-entry step would do, without its round. */
void vcpu_inject_now(struct vcpu *v);

/* Leave a halt (HLT, or a halt with interrupts off) for the active state.
 * Out of line: the rare part of vcpu_wake. */
void vcpu_wake_halted(struct vcpu *v);
static inline void vcpu_wake(struct vcpu *v)
{
    if (__builtin_expect(v->activity == VCPU_HALTED, 0))
        vcpu_wake_halted(v);
}

/* An edge-triggered `vector` from the vCPU's own APIC (a self-IPI, its
 * timer) straight into the injection slot, when the emulated APIC would
 * take it at once (vlapic_takes_at_once: nothing else requested, its class
 * above the PPR's) and the guest can take it now: what accepting it and
 * the pre-entry step would do, without the round through IRR. An NMI or
 * an event to deliver again goes first, and a slot already used or the
 * guest's blocking sends it that round too: returns false, having done
 * nothing. Inline: it is the emulated APIC's self-IPI and timer path.
 *
 * `insn_exit`: the caller handles an exit for an instruction that it
 * completes (EXIT_NEXT_INSTRUCTION) and has injected nothing: then the
 * slot is empty (every VM exit clears its valid bit) and blocking by STI
 * or MOV SS ends with that instruction (skip_instruction clears it), so
 * neither need be read. */
static inline __attribute__((always_inline)) bool vcpu_deliver_at_once(struct vcpu *v,
                                                                   uint8_t vector, bool insn_exit)
{
    if (v->nmi_pending || v->reinject || !vlapic_takes_at_once(&v->apic, vector) ||
        !(vmread(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF))
        return false;
    if (!insn_exit &&
        ((vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO) & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)) ||
         (vmread(VMCS_VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID)))
        return false;
    vlapic_accept_ack(&v->apic, vector);
    vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | INTR_TYPE_EXT_INTR << 8 | vector);
    vcpu_wake(v);
    return true;
}


/* Count a vCPU that nothing but an NMI, INIT or SIPI can wake; when every
 * vCPU of the guest is so, the guest can never run again: stop it. */
bool vcpu_mark_stuck(struct vcpu *v, const char *why);
void vcpu_unmark_stuck(struct vcpu *v);

#endif
