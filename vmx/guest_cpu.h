/* The CPU guests are shown: the host facts the CPUID and MSR policies
 * need (vmx/cpuid_policy.h, vmx/msr_policy.h), read once at VMX
 * bring-up on the boot CPU, read-only afterwards (Keel runs on one kind
 * of CPU at a time, as vmcs_config and spec_init assume). */
#ifndef KEEL_VMX_GUEST_CPU_H
#define KEEL_VMX_GUEST_CPU_H

#include <stdint.h>

#include "vmx/cpuid_policy.h"
#include "vmx/msr_policy.h"

/* The host's part of the CPUID facts (the vCPU's part is the handler's). */
extern struct cpuid_facts guest_cpuid_facts;
/* cpuid_policy_leaves: the basic leaves the policy answers. */
extern uint32_t guest_cpuid_leaves;
extern struct guest_msr_facts guest_msr_facts;

/* IA32_FEATURE_CONTROL as guests read it (vmx/guest_msrs.def): locked,
 * VMX and SGX off. */
#define GUEST_FEATURE_CONTROL 1ull

/* Read the host, decide; after vmcs_config and tsc_calibrate. */
void guest_cpu_init(void);

#endif
