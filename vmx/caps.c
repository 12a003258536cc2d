#include "vmx/caps.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "kernel/lib/fmt.h"
#include "kernel/percpu.h"



static const uint32_t cap_msr_number[VMXCAP_COUNT] = {
#define X(name) MSR_IA32_VMX_##name,
    VMX_CAP_MSRS(X)
#undef X
};

bool cpu_has_vmx(void)
{
    return cpuid(1, 0).ecx & X86_FEATURE_VMX_ECX;
}

bool vmx_disabled_by_bios(void)
{
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
    uint64_t want = vmx_feature_control_enable(fc, cpuid(1, 0).ecx & X86_FEATURE_SMX_ECX);
    if (want != fc)
        wrmsr(MSR_IA32_FEATURE_CONTROL, want);
    return !(want & FEATURE_CONTROL_VMX_OUTSIDE_SMX);
}

/* The CPUID leaves vmx=dump records and the nested profile reads: the
 * vendor and maximum leaves, features (VMX, SMX, x2APIC, hypervisor),
 * structured features, topology, the hypervisor's signature, long mode
 * and 1-GByte pages, address widths. A leaf past the maximum is not read
 * (it would return another leaf's values). */
static void read_cpuid(struct vmx_msrs *m)
{
    static const struct { uint32_t leaf, sub; } leaves[] = {
        { 0, 0 }, { 1, 0 }, { 7, 0 }, { 0xb, 0 }, { 0xb, 1 },
        { X86_CPUID_HYPERVISOR_LEAF, 0 }, { X86_CPUID_HYPERVISOR_LEAF + 1, 0 },
        { 0x80000000u, 0 }, { 0x80000001u, 0 }, { 0x80000008u, 0 },
    };
    uint32_t max = cpuid(0, 0).eax, max_ext = cpuid(0x80000000u, 0).eax;
    bool hv = cpuid(1, 0).ecx & X86_FEATURE_HYPERVISOR_ECX;
    uint32_t max_hv = hv ? cpuid(X86_CPUID_HYPERVISOR_LEAF, 0).eax : 0;
    _Static_assert(sizeof(leaves) / sizeof(leaves[0]) <= VMX_CPUID_LEAVES, "room for the leaves");
    m->ncpuid = 0;
    for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
        uint32_t l = leaves[i].leaf;
        bool ok = l >= 0x80000000u ? l <= max_ext
                : l >= X86_CPUID_HYPERVISOR_LEAF ? hv && (l == X86_CPUID_HYPERVISOR_LEAF || l <= max_hv)
                : l <= max;
        if (!ok)
            continue;
        struct cpuid_regs r = cpuid(l, leaves[i].sub);
        m->cpuid[m->ncpuid++] = (struct vmx_cpuid){ l, leaves[i].sub, r.eax, r.ebx, r.ecx, r.edx };
    }
}

static void read_cap(struct vmx_msrs *m, enum vmx_cap_msr i)
{
    m->msr[i] = rdmsr(cap_msr_number[i]);
    m->present |= 1u << i;
}

void vmx_read_caps(struct vmx_msrs *m)
{
    *m = (struct vmx_msrs){ .cpu_id = this_cpu_id(), .vmx = cpu_has_vmx() };
    read_cpuid(m);
    if (!m->vmx)
        return;
    m->have_feature_control = true;
    m->feature_control = rdmsr(MSR_IA32_FEATURE_CONTROL);
    m->locked_by_keel = !(m->feature_control & FEATURE_CONTROL_LOCKED);
    if (vmx_disabled_by_bios()) {
        m->locked_off = true;
        return;
    }
    static const enum vmx_cap_msr always[] = {
        VMXCAP_BASIC, VMXCAP_PINBASED_CTLS, VMXCAP_PROCBASED_CTLS, VMXCAP_EXIT_CTLS,
        VMXCAP_ENTRY_CTLS, VMXCAP_MISC, VMXCAP_CR0_FIXED0, VMXCAP_CR0_FIXED1,
        VMXCAP_CR4_FIXED0, VMXCAP_CR4_FIXED1, VMXCAP_VMCS_ENUM,
    };
    for (unsigned i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        read_cap(m, always[i]);
    if (m->msr[VMXCAP_BASIC] & VMX_BASIC_TRUE_CTLS) {
        read_cap(m, VMXCAP_TRUE_PINBASED_CTLS);
        read_cap(m, VMXCAP_TRUE_PROCBASED_CTLS);
        read_cap(m, VMXCAP_TRUE_EXIT_CTLS);
        read_cap(m, VMXCAP_TRUE_ENTRY_CTLS);
    }
    if (m->msr[VMXCAP_PROCBASED_CTLS] >> 32 & VMX_PROC_SECONDARY_CONTROLS) {
        read_cap(m, VMXCAP_PROCBASED_CTLS2);
        uint32_t may1 = (uint32_t)(m->msr[VMXCAP_PROCBASED_CTLS2] >> 32);
        if (may1 & (VMX_PROC2_ENABLE_EPT | VMX_PROC2_ENABLE_VPID))
            read_cap(m, VMXCAP_EPT_VPID_CAP);
        if (may1 & VMX_PROC2_ENABLE_VMFUNC)
            read_cap(m, VMXCAP_VMFUNC);
    }
}

void vmx_caps_summary(const struct vmx_msrs *m, char *buf, unsigned size)
{
    uint64_t b = m->msr[VMXCAP_BASIC];
    uint32_t proc2 = (uint32_t)(vmx_ctl_capability(m, VMX_PROC2) >> 32);
    uint32_t pin = (uint32_t)(vmx_ctl_capability(m, VMX_PIN) >> 32);
    uint64_t ev = m->present & 1u << VMXCAP_EPT_VPID_CAP ? m->msr[VMXCAP_EPT_VPID_CAP] : 0;
    ksnprintf(buf, size, "VMCS revision 0x%x, %u-byte regions%s%s; EPT%s%s%s%s; VPID %s; "
              "unrestricted guest %s; preemption timer %s",
              VMX_BASIC_REVISION(b), VMX_BASIC_REGION_SIZE(b),
              b & VMX_BASIC_TRUE_CTLS ? ", TRUE controls" : "",
              b & VMX_BASIC_32BIT_ADDR ? ", 32-bit addresses" : "",
              proc2 & VMX_PROC2_ENABLE_EPT ? "" : " none",
              ev & VMX_EPT_VPID(WALK_4_LEVEL) ? " 4-level" : "",
              ev & VMX_EPT_VPID(PAGE_2M) ? " 2M" : "", ev & VMX_EPT_VPID(PAGE_1G) ? " 1G" : "",
              proc2 & VMX_PROC2_ENABLE_VPID ? "yes" : "no",
              proc2 & VMX_PROC2_UNRESTRICTED_GUEST ? "yes" : "no",
              pin & VMX_PIN_PREEMPTION_TIMER ? "yes" : "no");
}
