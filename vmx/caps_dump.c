#include "vmx/caps_dump.h"
#include "arch/x86/msr.h"
#include "arch/x86/x86.h"
#include "kernel/cmdline.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

void vmx_caps_dump(const struct vmx_msrs *m, report_fn line, void *ctx)
{
    reportf(line, ctx, "# Keel vmx=dump of cpu%u: CPUID leaves, IA32_FEATURE_CONTROL and the VMX "
            "capability MSRs (tests/unit/fixtures/vmx/README.md)", m->cpu_id);
    for (unsigned i = 0; i < m->ncpuid && i < VMX_CPUID_LEAVES; i++) {
        const struct vmx_cpuid *c = &m->cpuid[i];
        reportf(line, ctx, "cpuid 0x%08x 0x%x 0x%08x 0x%08x 0x%08x 0x%08x", c->leaf, c->subleaf,
                c->eax, c->ebx, c->ecx, c->edx);
    }
    if (!m->vmx) {
        reportf(line, ctx, "# no VMX (CPUID.1:ECX.VMX[bit 5] = 0): no capability MSRs");
        return;
    }
    if (m->have_feature_control)
        reportf(line, ctx, "0x%03x 0x%016llx%s", MSR_IA32_FEATURE_CONTROL,
                (unsigned long long)m->feature_control,
                m->locked_by_keel ? "  # unlocked: Keel enabled VMX and locked it" : "");
    if (m->locked_off) {
        reportf(line, ctx, "# VMX disabled by the firmware: no capability MSRs");
        return;
    }
    for (unsigned i = 0; i < VMXCAP_COUNT; i++)
        if (m->present & 1u << i)
            reportf(line, ctx, "0x%03x 0x%016llx", 0x480 + i, (unsigned long long)m->msr[i]);
}

/* The next blank-separated word of *s, as a number (0x hex or decimal). */
static bool next_number(const char **s, uint64_t *v)
{
    char word[24];
    size_t n = 0;
    while (**s == ' ' || **s == '\t')
        (*s)++;
    while (**s && **s != ' ' && **s != '\t' && **s != '\n' && **s != '\r' && **s != '#') {
        if (n + 1 == sizeof(word))
            return false;
        word[n++] = *(*s)++;
    }
    word[n] = '\0';
    return n && parse_u64(word, v);
}

/* Only blanks, a newline or a '#' comment may follow a value. */
static bool rest_ok(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return !*s || *s == '#';
}

bool vmx_fixture_line(const char *line, struct vmx_msrs *m, const char **why)
{
    const char *s = line;
    uint64_t v[6];
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s || *s == '#' || *s == '\n' || *s == '\r')
        return true;
    if (!strncmp(s, "cpuid", 5) && (s[5] == ' ' || s[5] == '\t')) {
        s += 5;
        for (int i = 0; i < 6; i++)
            if (!next_number(&s, &v[i]) || v[i] > 0xffffffffu) {
                *why = "a cpuid line needs LEAF SUBLEAF EAX EBX ECX EDX, each 32 bits";
                return false;
            }
        if (!rest_ok(s) || m->ncpuid == VMX_CPUID_LEAVES) {
            *why = m->ncpuid == VMX_CPUID_LEAVES ? "too many cpuid lines" : "text after the values";
            return false;
        }
        m->cpuid[m->ncpuid++] = (struct vmx_cpuid){ (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2],
                                                    (uint32_t)v[3], (uint32_t)v[4], (uint32_t)v[5] };
        return true;
    }
    if (!next_number(&s, &v[0]) || !next_number(&s, &v[1]) || !rest_ok(s)) {
        *why = "expected 'MSR VALUE' (hexadecimal), a 'cpuid' line or a '#' comment";
        return false;
    }
    if (v[0] == MSR_IA32_FEATURE_CONTROL) {
        m->have_feature_control = true;
        m->feature_control = v[1];
        return true;
    }
    if (v[0] < 0x480 || v[0] >= 0x480 + VMXCAP_COUNT) {
        *why = "not a VMX capability MSR (0x480-0x491) or IA32_FEATURE_CONTROL (0x3a)";
        return false;
    }
    m->msr[v[0] - 0x480] = v[1];
    m->present |= 1u << (v[0] - 0x480);
    return true;
}

void vmx_fixture_finish(struct vmx_msrs *m)
{
    const struct vmx_cpuid *c = vmx_msrs_cpuid(m, 1, 0);
    if (c)
        m->vmx = c->ecx & X86_FEATURE_VMX_ECX;
    if (m->have_feature_control)
        m->locked_off = (m->feature_control & FEATURE_CONTROL_LOCKED) &&
                        !(m->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX);
}
