/* The guest MSR table (vmx/guest_msrs.def) and what its kinds do: pure. */
#include "vmx/msr_policy.h"

#include <stddef.h>

#include "arch/x86/msr.h"

const struct guest_msr_info guest_msr_table[] = {
#define GUEST_MSR(first, count, kind, value, needs, why)                                   \
    { MSR_##first, MSR_##first + (count) - 1, GMSR_##kind, GMSR_NEEDS_##needs, value, #first, \
      why },
#include "vmx/guest_msrs.def"
#undef GUEST_MSR
};
const unsigned guest_msr_count = sizeof(guest_msr_table) / sizeof(guest_msr_table[0]);

const struct guest_msr_info *guest_msr_find(uint32_t msr)
{
    for (unsigned i = 0; i < guest_msr_count; i++)
        if (msr >= guest_msr_table[i].first && msr <= guest_msr_table[i].last)
            return &guest_msr_table[i];
    return NULL;
}

bool mtrr_type_valid(uint64_t type)
{
    return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

/* IA32_MTRR_DEF_TYPE: type (7:0), FE (10), E (11); the rest reserved. */
#define MTRR_DEF_TYPE_WRITABLE 0xcffull

static bool fixed_valid(uint64_t v)
{
    for (int i = 0; i < 8; i++)
        if (!mtrr_type_valid(v >> (8 * i) & 0xff))
            return false;
    return true;
}

/* A fixed-range MTRR's place in guest_msrs.mtrr_fixed. */
static unsigned fixed_index(uint32_t msr)
{
    if (msr == MSR_IA32_MTRR_FIX64K_00000)
        return 0;
    if (msr == MSR_IA32_MTRR_FIX16K_80000 || msr == MSR_IA32_MTRR_FIX16K_A0000)
        return 1 + msr - MSR_IA32_MTRR_FIX16K_80000;
    return 3 + msr - MSR_IA32_MTRR_FIX4K_C0000;
}

/* The power-on values, from the table. */
static void power_on(struct guest_msrs *s)
{
    for (unsigned i = 0; i < guest_msr_count; i++) {
        const struct guest_msr_info *m = &guest_msr_table[i];
        if (m->kind == GMSR_MTRR_DEF)
            s->mtrr_def_type = m->value;
        if (m->kind == GMSR_MTRR_FIX)
            for (uint32_t msr = m->first; msr <= m->last; msr++)
                s->mtrr_fixed[fixed_index(msr)] = m->value;
    }
    s->ready = true;
}

/* The row for `msr` as this guest has it: a row whose feature the
 * guest's CPUID does not show is #GP. */
static const struct guest_msr_info *row(struct guest_msrs *s, const struct guest_msr_facts *f,
                                        uint32_t msr, enum guest_msr_result *r)
{
    const struct guest_msr_info *m = guest_msr_find(msr);
    *r = GMSR_DONE;
    if (!m || m->kind == GMSR_ELSEWHERE)
        *r = GMSR_NOT_HERE;
    else if (m->kind == GMSR_GP || (m->needs == GMSR_NEEDS_XSAVES && !f->xsaves) ||
             (m->needs == GMSR_NEEDS_ARCH_CAP && !f->arch_cap))
        *r = GMSR_REFUSE;
    else if (!s->ready)
        power_on(s);
    return m;
}

/* MISC: `value` with fast strings (bit 0) as the host has them. */
#define MISC_FAST_STRINGS 1ull
static uint64_t misc_value(const struct guest_msr_info *m, const struct guest_msr_facts *f)
{
    return (m->value & ~MISC_FAST_STRINGS) | (f->host_misc_enable & MISC_FAST_STRINGS);
}

enum guest_msr_result guest_msr_read(struct guest_msrs *s, const struct guest_msr_facts *f,
                                     uint32_t msr, uint64_t *val)
{
    enum guest_msr_result r;
    const struct guest_msr_info *m = row(s, f, msr, &r);
    if (r != GMSR_DONE)
        return r;
    switch (m->kind) {
    case GMSR_HOST:
        *val = f->host_arch_cap & m->value;
        break;
    case GMSR_MISC:
        *val = misc_value(m, f);
        break;
    case GMSR_ZERO:
        *val = 0;
        break;
    case GMSR_VMCS:
        return GMSR_IN_VMCS;
    case GMSR_MTRR_DEF:
        *val = s->mtrr_def_type;
        break;
    case GMSR_MTRR_FIX:
        *val = s->mtrr_fixed[fixed_index(msr)];
        break;
    default:        /* FIXED, KEEP, IGNORED */
        *val = m->value;
        break;
    }
    return GMSR_DONE;
}

bool guest_msr_read_constant(uint32_t msr)
{
    const struct guest_msr_info *m = guest_msr_find(msr);
    if (!m)
        return false;
    switch (m->kind) {
    case GMSR_FIXED:
    case GMSR_KEEP:
    case GMSR_IGNORED:
    case GMSR_ZERO:
    case GMSR_HOST:
    case GMSR_MISC:
        return true;
    default:
        return false;
    }
}

enum guest_msr_result guest_msr_write(struct guest_msrs *s, const struct guest_msr_facts *f,
                                      uint32_t msr, uint64_t val)
{
    enum guest_msr_result r;
    const struct guest_msr_info *m = row(s, f, msr, &r);
    if (r != GMSR_DONE)
        return r;
    switch (m->kind) {
    case GMSR_IGNORED:
        return GMSR_DONE;
    case GMSR_KEEP:
        return val == m->value ? GMSR_DONE : GMSR_INVALID;
    case GMSR_MISC:
        return val == misc_value(m, f) ? GMSR_DONE : GMSR_INVALID;
    case GMSR_ZERO:
        return val == 0 ? GMSR_DONE : GMSR_INVALID;
    case GMSR_VMCS:
        return val & ~m->value ? GMSR_INVALID : GMSR_IN_VMCS;
    case GMSR_MTRR_DEF:
        if ((val & ~MTRR_DEF_TYPE_WRITABLE) || !mtrr_type_valid(val & 0xff))
            return GMSR_INVALID;
        s->mtrr_def_type = val;
        return GMSR_DONE;
    case GMSR_MTRR_FIX:
        if (!fixed_valid(val))
            return GMSR_INVALID;
        s->mtrr_fixed[fixed_index(msr)] = val;
        return GMSR_DONE;
    default:        /* FIXED, HOST: read-only */
        return GMSR_INVALID;
    }
}
