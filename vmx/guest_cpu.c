/* The host facts behind what guests are shown (guest_cpu.h). */
#include "vmx/guest_cpu.h"

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/tsc.h"
#include "vmx/guest.h"
#include "vmx/vmx.h"

#define CPUID7_EDX_IBRS_IBPB    (1u << 26)
#define CPUID7_EDX_ARCH_CAP     (1u << 29)
#define CPUID_D1_EAX_XSAVES     (1u << 3)

struct cpuid_facts guest_cpuid_facts;
uint32_t guest_cpuid_leaves = ~0u;      /* until decided: everything by the policy */
struct guest_msr_facts guest_msr_facts;

void guest_cpu_init(void)
{
    uint32_t max = cpuid(0, 0).eax;
    uint32_t edx7 = max >= 7 ? cpuid(7, 0).edx : 0;
    uint32_t proc2 = vmcs_config.ctl[VMX_PROC2];
    bool xsaves = (proc2 & VMX_PROC2_ENABLE_XSAVES) && max >= 0xd &&
                  (cpuid(0xd, 1).eax & CPUID_D1_EAX_XSAVES);
    guest_cpuid_facts = (struct cpuid_facts){
        .host_max_basic = max,
        .tsc_hz = tsc_hz,
        /* RDTSCP would read IA32_TSC_AUX, which Keel does not switch
         * between guests: not shown. */
        .rdtscp_ok = false,
        .invpcid_ok = proc2 & VMX_PROC2_ENABLE_INVPCID,
        .xsaves_ok = xsaves,
        .ibpb_ok = edx7 & CPUID7_EDX_IBRS_IBPB,
        .xcr0_allowed = GUEST_XCR0_ALLOWED,
    };
    guest_cpuid_leaves = cpuid_policy_leaves(&guest_cpuid_facts);
    bool arch_cap = edx7 & CPUID7_EDX_ARCH_CAP;
    guest_msr_facts = (struct guest_msr_facts){
        .xsaves = xsaves,
        .arch_cap = arch_cap,
        .host_arch_cap = arch_cap ? rdmsr(MSR_IA32_ARCH_CAPABILITIES) : 0,
        .host_misc_enable = rdmsr(MSR_IA32_MISC_ENABLE),
    };
}
