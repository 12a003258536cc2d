/* VMX root operation on every CPU: the role of KVM's vmx_init, kvm_init,
 * kvm_arch_init and hardware_setup (docs/kvm-map.md). */
#ifndef KEEL_VMX_VMX_H
#define KEEL_VMX_VMX_H

#include <stdbool.h>

#include "kernel/options.h"
#include "vmx/vmcs_config.h"
#include "vmx/vmcs_image.h"

/* The negotiated configuration, fixed once vmx_init has run. */
extern struct vmcs_config vmcs_config;
/* Each CPU's capabilities, by cpu_id, as it read them. */
extern struct vmx_msrs vmx_cpu_caps[];

/* The guests' time budgets run on the VMX-preemption timer, which must
 * keep counting across exits ("save VMX-preemption timer value"). */
static inline bool vmx_has_preemption_timer(void)
{
    return (vmcs_config.ctl[VMX_PIN] & VMX_PIN_PREEMPTION_TIMER) &&
           (vmcs_config.ctl[VMX_EXIT] & VMX_EXIT_SAVE_PREEMPT_TIMER);
}

/* Without it, the local APIC timer in TSC-deadline mode takes its place
 * where the CPUs have that (arch/x86/lapic.h): it fires at the nearest
 * deadline, an external-interrupt exit that runs the same checks as the
 * VMX-preemption timer's exit (exit_host_timer). Set once at vmx_init. */
extern bool vmx_host_timer;

/* Invalidate what the CPU cached of one VPID's linear translations (a
 * guest's paging change that Keel emulates): single-context INVVPID where
 * every CPU has it, else all-context (required). */
void vpid_flush(uint16_t vpid);

/* APIC virtualization for guests: the CPUs have every control it needs,
 * and apicv=off did not turn it off. */
static inline bool vmx_has_apicv(void)
{
    return keel_options.apicv && vmcs_config_has_apicv(&vmcs_config);
}

/* Every CPU reads its capabilities; one configuration is negotiated over
 * all; each CPU that can enters VMX root operation. Refuses the boot when
 * no CPU can. `report`: print the full configuration (vmx=report). */
void vmx_init(bool report);

/* VMXOFF on every CPU in VMX root operation, each saying so. */
void vmx_shutdown(void);

/* This CPU: CR0/CR4 fixed bits, CR4.VMXE, VMXON; and back. `verbose`:
 * log the result (not from NMI context). Return success. */
bool hardware_enable(void);
bool hardware_disable(bool verbose);

#endif
