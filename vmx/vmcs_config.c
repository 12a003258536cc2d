#include "vmx/vmcs_config.h"
#include "arch/x86/x86.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

enum policy { P_REQ, P_OPT, P_GUEST, P_GUEST_OPT, P_NO };

static const struct ctl_def {
    uint8_t word, bit, policy;
    const char *name;
} ctl_defs[] = {
#define CTL(word, name, bit, desc, pol) { VMX_##word, bit, P_##pol, desc },
#include "vmx/controls.def"
#undef CTL
};
#define NCTL (sizeof(ctl_defs) / sizeof(ctl_defs[0]))

static const struct cap_def {
    uint8_t bit, policy;
    const char *name;
} cap_defs[] = {
#define CAP(name, bit, desc, pol) { bit, P_##pol, desc },
#include "vmx/ept_vpid.def"
#undef CAP
};
#define NCAP (sizeof(cap_defs) / sizeof(cap_defs[0]))

static const char *const word_names[VMX_CTL_WORDS] = {
    "pin-based", "primary processor-based", "secondary processor-based", "VM-exit", "VM-entry",
};
static const char *const word_msrs[VMX_CTL_WORDS] = {
    "IA32_VMX_PINBASED_CTLS", "IA32_VMX_PROCBASED_CTLS", "IA32_VMX_PROCBASED_CTLS2",
    "IA32_VMX_EXIT_CTLS", "IA32_VMX_ENTRY_CTLS",
};

const char *vmx_ctl_word_name(enum vmx_ctl_word w)
{
    return word_names[w];
}

const char *vmx_ctl_msr_name(enum vmx_ctl_word w)
{
    return word_msrs[w];
}

static uint32_t policy_mask(enum vmx_ctl_word w, enum policy p)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < NCTL; i++)
        if (ctl_defs[i].word == w && ctl_defs[i].policy == p)
            m |= 1u << ctl_defs[i].bit;
    return m;
}

static uint64_t cap_mask(enum policy p)
{
    uint64_t m = 0;
    for (unsigned i = 0; i < NCAP; i++)
        if (cap_defs[i].policy == p)
            m |= 1ull << cap_defs[i].bit;
    return m;
}

const struct vmx_cpuid *vmx_msrs_cpuid(const struct vmx_msrs *m, uint32_t leaf, uint32_t subleaf)
{
    for (unsigned i = 0; i < m->ncpuid && i < VMX_CPUID_LEAVES; i++)
        if (m->cpuid[i].leaf == leaf && m->cpuid[i].subleaf == subleaf)
            return &m->cpuid[i];
    return NULL;
}

uint64_t vmx_feature_control_enable(uint64_t fc, bool smx)
{
    if (fc & FEATURE_CONTROL_LOCKED)
        return fc;
    return fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX |
           (smx ? FEATURE_CONTROL_VMX_INSIDE_SMX : 0);
}

uint64_t vmx_guest_cr0_fixed0(const struct vmx_msrs *m, uint32_t proc2)
{
    uint64_t fixed0 = m->msr[VMXCAP_CR0_FIXED0];
    if (proc2 & VMX_PROC2_UNRESTRICTED_GUEST)
        fixed0 &= ~(X86_CR0_PE | X86_CR0_PG);
    return fixed0;
}

uint32_t adjust_vmx_controls(uint32_t min, uint32_t opt, uint64_t msr, uint32_t *result)
{
    uint32_t must1 = (uint32_t)msr, may1 = (uint32_t)(msr >> 32);
    uint32_t ctl = ((min | opt) & may1) | must1;
    *result = ctl;
    return min & ~ctl;
}

uint64_t vmx_ctl_capability(const struct vmx_msrs *m, enum vmx_ctl_word w)
{
    static const enum vmx_cap_msr plain[VMX_CTL_WORDS] = {
        VMXCAP_PINBASED_CTLS, VMXCAP_PROCBASED_CTLS, VMXCAP_PROCBASED_CTLS2,
        VMXCAP_EXIT_CTLS, VMXCAP_ENTRY_CTLS,
    };
    static const enum vmx_cap_msr true_msr[VMX_CTL_WORDS] = {
        VMXCAP_TRUE_PINBASED_CTLS, VMXCAP_TRUE_PROCBASED_CTLS, VMXCAP_PROCBASED_CTLS2,
        VMXCAP_TRUE_EXIT_CTLS, VMXCAP_TRUE_ENTRY_CTLS,
    };
    if (w == VMX_PROC2 &&
        !(vmx_ctl_capability(m, VMX_PROC) >> 32 & VMX_PROC_SECONDARY_CONTROLS))
        return 0;
    enum vmx_cap_msr i = plain[w];
    if ((m->msr[VMXCAP_BASIC] & VMX_BASIC_TRUE_CTLS) && (m->present & 1u << true_msr[w]))
        i = true_msr[w];
    return m->present & 1u << i ? m->msr[i] : 0;
}

static uint64_t ept_vpid_of(const struct vmx_msrs *m)
{
    uint32_t proc2_may1 = (uint32_t)(vmx_ctl_capability(m, VMX_PROC2) >> 32);
    if (!(proc2_may1 & (VMX_PROC2_ENABLE_EPT | VMX_PROC2_ENABLE_VPID)) ||
        !(m->present & 1u << VMXCAP_EPT_VPID_CAP))
        return 0;
    return m->msr[VMXCAP_EPT_VPID_CAP];
}

/* Everything one CPU lacks of what Keel requires, each named. Returns the
 * number of problems. */
static unsigned check_cpu(const struct vmx_msrs *m, report_fn report, void *ctx)
{
    unsigned problems = 0;
    uint32_t id = m->cpu_id;
    if (!m->vmx) {
        reportf(report, ctx, "cpu%u has no VMX (CPUID.1:ECX.VMX[bit 5] = 0)", id);
        return 1;
    }
    if (m->locked_off) {
        reportf(report, ctx, "cpu%u: VMX is disabled by the firmware (IA32_FEATURE_CONTROL is "
            "locked with VMX off): enable Intel Virtualization Technology in the firmware setup",
            id);
        return 1;
    }
    uint64_t basic = m->msr[VMXCAP_BASIC];
    if (VMX_BASIC_MEMTYPE(basic) != VMX_MEMTYPE_WB) {
        reportf(report, ctx, "cpu%u: VMCS memory type %u is not write-back (IA32_VMX_BASIC bits 53:50)",
            id, VMX_BASIC_MEMTYPE(basic));
        problems++;
    }
    uint32_t size = VMX_BASIC_REGION_SIZE(basic);
    if (size == 0 || size > 4096) {
        reportf(report, ctx, "cpu%u: VMXON/VMCS region size %u is outside 1..4096 (IA32_VMX_BASIC "
            "bits 44:32)", id, size);
        problems++;
    }
    for (int w = 0; w < VMX_CTL_WORDS; w++) {
        uint64_t cap = vmx_ctl_capability(m, (enum vmx_ctl_word)w);
        uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);
        for (uint32_t bad = must1 & ~may1; bad; bad &= bad - 1) {
            reportf(report, ctx, "cpu%u: %s bit %d must be 1 but cannot be: the MSR contradicts itself",
                id, word_msrs[w], __builtin_ctz(bad));
            problems++;
        }
        for (unsigned i = 0; i < NCTL; i++) {
            const struct ctl_def *d = &ctl_defs[i];
            if (d->word != w || (d->policy != P_REQ && d->policy != P_GUEST) ||
                (may1 >> d->bit & 1))
                continue;
            reportf(report, ctx, "cpu%u lacks required '%s' (%s bit %u)", id, d->name, word_msrs[w],
                d->bit);
            problems++;
        }
    }
    uint64_t ev = ept_vpid_of(m);
    for (unsigned i = 0; i < NCAP; i++) {
        if (cap_defs[i].policy == P_REQ && !(ev >> cap_defs[i].bit & 1)) {
            reportf(report, ctx, "cpu%u lacks required '%s' (IA32_VMX_EPT_VPID_CAP bit %u)", id,
                cap_defs[i].name, cap_defs[i].bit);
            problems++;
        }
    }
    return problems;
}

/* Intersect the CPUs still in: may-be-1 bits all allow, must-be-1 bits any
 * forces. */
static void combine(const struct vmx_msrs *cpus, unsigned n, struct vmcs_config *c)
{
    for (int w = 0; w < VMX_CTL_WORDS; w++) {
        c->allowed1[w] = ~0u;
        c->must1[w] = 0;
    }
    c->ept_vpid_common = ~0ull;
    c->region_size = 0;
    c->ncpus_in = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!c->in_vmx[i])
            continue;
        c->ncpus_in++;
        for (int w = 0; w < VMX_CTL_WORDS; w++) {
            uint64_t cap = vmx_ctl_capability(&cpus[i], (enum vmx_ctl_word)w);
            c->allowed1[w] &= (uint32_t)(cap >> 32);
            c->must1[w] |= (uint32_t)cap;
        }
        c->ept_vpid_common &= ept_vpid_of(&cpus[i]);
        uint32_t size = VMX_BASIC_REGION_SIZE(cpus[i].msr[VMXCAP_BASIC]);
        if (size > c->region_size)
            c->region_size = size;
    }
}

/* A control one CPU forces on and another cannot set: the forcing CPU
 * leaves. Returns true when a CPU was left out. */
static bool drop_conflicting(const struct vmx_msrs *cpus, unsigned n, struct vmcs_config *c,
                             report_fn report, void *ctx)
{
    for (int w = 0; w < VMX_CTL_WORDS; w++) {
        uint32_t clash = c->must1[w] & ~c->allowed1[w];
        if (!clash)
            continue;
        int bit = __builtin_ctz(clash);
        for (unsigned i = 0; i < n; i++) {
            if (c->in_vmx[i] && ((uint32_t)vmx_ctl_capability(&cpus[i], (enum vmx_ctl_word)w) >> bit & 1)) {
                reportf(report, ctx, "cpu%u forces %s bit %d on, which other CPUs cannot set: "
                    "cpu%u left out of VMX", cpus[i].cpu_id, word_msrs[w], bit, cpus[i].cpu_id);
                c->in_vmx[i] = false;
            }
        }
        return true;
    }
    return false;
}

/* Optional controls and capabilities some CPUs have but not all: say who
 * costs them. */
static void report_given_up(const struct vmx_msrs *cpus, unsigned n, const struct vmcs_config *c,
                            report_fn report, void *ctx)
{
    for (unsigned k = 0; k < NCTL; k++) {
        const struct ctl_def *d = &ctl_defs[k];
        if ((d->policy != P_OPT && d->policy != P_GUEST_OPT) ||
            (c->allowed1[d->word] >> d->bit & 1))
            continue;
        for (unsigned i = 0; i < n; i++) {
            if (!c->in_vmx[i])
                continue;
            uint32_t may1 = (uint32_t)(vmx_ctl_capability(&cpus[i], (enum vmx_ctl_word)d->word) >> 32);
            bool others_have = false;
            for (unsigned j = 0; j < n; j++)
                if (j != i && c->in_vmx[j] &&
                    (vmx_ctl_capability(&cpus[j], (enum vmx_ctl_word)d->word) >> 32 >> d->bit & 1))
                    others_have = true;
            if (!(may1 >> d->bit & 1) && others_have)
                reportf(report, ctx, "cpu%u lacks '%s': off on all CPUs", cpus[i].cpu_id, d->name);
        }
    }
    for (unsigned k = 0; k < NCAP; k++) {
        if (cap_defs[k].policy != P_OPT || (c->ept_vpid_common >> cap_defs[k].bit & 1))
            continue;
        bool someone_has = false;
        for (unsigned i = 0; i < n; i++)
            if (c->in_vmx[i] && (ept_vpid_of(&cpus[i]) >> cap_defs[k].bit & 1))
                someone_has = true;
        for (unsigned i = 0; someone_has && i < n; i++)
            if (c->in_vmx[i] && !(ept_vpid_of(&cpus[i]) >> cap_defs[k].bit & 1))
                reportf(report, ctx, "cpu%u lacks '%s': not used on any CPU", cpus[i].cpu_id,
                    cap_defs[k].name);
    }
}

unsigned setup_vmcs_config(const struct vmx_msrs *cpus, unsigned n, struct vmcs_config *c,
                           report_fn report, void *ctx)
{
    memset(c, 0, sizeof(*c));
    if (n > VMX_MAX_CPUS)
        n = VMX_MAX_CPUS;
    for (unsigned i = 0; i < n; i++) {
        unsigned problems = check_cpu(&cpus[i], report, ctx);
        c->in_vmx[i] = problems == 0;
        if (problems && cpus[i].vmx)
            reportf(report, ctx, "cpu%u left out of VMX (%u problem%s above)", cpus[i].cpu_id,
                problems, problems == 1 ? "" : "s");
    }
    do
        combine(cpus, n, c);
    while (c->ncpus_in && drop_conflicting(cpus, n, c, report, ctx));
    if (!c->ncpus_in)
        return 0;

    report_given_up(cpus, n, c, report, ctx);
    for (int w = 0; w < VMX_CTL_WORDS; w++) {
        uint64_t common = (uint64_t)c->allowed1[w] << 32 | c->must1[w];
        adjust_vmx_controls(policy_mask((enum vmx_ctl_word)w, P_REQ),
                            policy_mask((enum vmx_ctl_word)w, P_OPT), common, &c->ctl[w]);
    }
    /* A blocked NMI waits for an NMI-window exit (vmx/event.c asks for one
     * whenever "virtual NMIs" is on). Without that exit, as under some
     * nested hypervisors, NMIs go without virtual-NMI blocking: one waits
     * for the guest's next VM exit instead. */
    if (!(c->allowed1[VMX_PROC] & VMX_PROC_NMI_WINDOW_EXITING) &&
        !(c->must1[VMX_PIN] & VMX_PIN_VIRTUAL_NMIS))
        c->ctl[VMX_PIN] &= ~(uint32_t)VMX_PIN_VIRTUAL_NMIS;
    c->ept_vpid = c->ept_vpid_common & (cap_mask(P_REQ) | cap_mask(P_OPT));
    return c->ncpus_in;
}

static void lacking_cpus(char *buf, size_t size, const struct vmx_msrs *cpus, unsigned n,
                         const struct vmcs_config *c, int word, unsigned bit)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n && len + 8 < size; i++) {
        if (!c->in_vmx[i])
            continue;
        uint64_t have = word >= 0 ? vmx_ctl_capability(&cpus[i], (enum vmx_ctl_word)word) >> 32
                                  : ept_vpid_of(&cpus[i]);
        if (!(have >> bit & 1))
            len += (size_t)ksnprintf(buf + len, size - len, "%scpu%u", len ? ", " : "",
                                     cpus[i].cpu_id);
    }
}

void vmcs_config_explain(const struct vmcs_config *c, const struct vmx_msrs *cpus, unsigned n,
                         report_fn line, void *ctx)
{
    static const char *const want[] = { "required", "optional", "per guest", "per guest",
                                        "not wanted" };
    char who[96];
    for (int w = 0; w < VMX_CTL_WORDS; w++) {
        reportf(line, ctx, "%s controls = 0x%08x (%s: must be 1 0x%08x, may be 1 0x%08x)",
            word_names[w], c->ctl[w], word_msrs[w], c->must1[w], c->allowed1[w]);
        uint32_t known = 0;
        for (unsigned k = 0; k < NCTL; k++) {
            const struct ctl_def *d = &ctl_defs[k];
            if (d->word != w)
                continue;
            known |= 1u << d->bit;
            bool on = c->ctl[w] >> d->bit & 1;
            const char *why;
            if (on)
                why = d->policy == P_NO || d->policy == P_GUEST_OPT ? "forced on by the CPU"
                                                                     : want[d->policy];
            else if (d->policy == P_GUEST ||
                     (d->policy == P_GUEST_OPT && (c->allowed1[w] >> d->bit & 1)))
                why = "allowed; set for the guests that need it";
            else if (d->policy == P_NO)
                why = "not wanted";
            else {
                lacking_cpus(who, sizeof(who), cpus, n, c, w, d->bit);
                reportf(line, ctx, "  %-3s %-40s bit %2u  %s, not allowed by %s", "off", d->name,
                    d->bit, want[d->policy], who);
                continue;
            }
            reportf(line, ctx, "  %-3s %-40s bit %2u  %s", on ? "on" : "off", d->name, d->bit, why);
        }
        if (c->ctl[w] & ~known)
            reportf(line, ctx, "  on  %-40s 0x%08x  reserved bits the CPU requires set",
                "(reserved, default 1)", c->ctl[w] & ~known);
    }
    reportf(line, ctx, "EPT/VPID capabilities = 0x%016llx (IA32_VMX_EPT_VPID_CAP, common to all)",
        (unsigned long long)c->ept_vpid_common);
    for (unsigned k = 0; k < NCAP; k++) {
        bool have = c->ept_vpid >> cap_defs[k].bit & 1;
        if (have) {
            reportf(line, ctx, "  yes %-40s bit %2u  %s", cap_defs[k].name, cap_defs[k].bit,
                want[cap_defs[k].policy]);
        } else {
            lacking_cpus(who, sizeof(who), cpus, n, c, -1, cap_defs[k].bit);
            reportf(line, ctx, "  no  %-40s bit %2u  %s, not offered by %s", cap_defs[k].name,
                cap_defs[k].bit, want[cap_defs[k].policy], who);
        }
    }
}
