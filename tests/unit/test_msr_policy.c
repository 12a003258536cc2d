// unit: vmx/msr_policy.c
/* The guest MSR table (vmx/guest_msrs.def) and its kinds: every class
 * read, written, read back; the refusals; the table itself well formed. */
#include "vmx/guest_cpu.h"
#include "arch/x86/msr.h"
#include "unit.h"

static const struct guest_msr_facts none = { 0 };

static uint64_t rd(struct guest_msrs *s, const struct guest_msr_facts *f, uint32_t msr)
{
    uint64_t v = 0xdeadbeef;
    CHECK_EQ(guest_msr_read(s, f, msr, &v), GMSR_DONE);
    return v;
}

TEST(table_is_well_formed)
{
    for (unsigned i = 0; i < guest_msr_count; i++) {
        const struct guest_msr_info *m = &guest_msr_table[i];
        CHECK(m->first <= m->last);
        CHECK(m->why && strlen(m->why) > 10);
        /* no two rows overlap */
        for (unsigned j = i + 1; j < guest_msr_count; j++)
            if (m->first <= guest_msr_table[j].last && guest_msr_table[j].first <= m->last)
                UNIT_FAIL("%s and %s overlap", m->name, guest_msr_table[j].name);
        CHECK_EQ(guest_msr_find(m->first), m);
        CHECK_EQ(guest_msr_find(m->last), m);
        if (m->kind == GMSR_MTRR_FIX) {
            for (int b = 0; b < 8; b++)
                CHECK(mtrr_type_valid(m->value >> (8 * b) & 0xff));
        }
    }
    /* the inline answer in exit_msr.c is the table's */
    const struct guest_msr_info *fc = guest_msr_find(MSR_IA32_FEATURE_CONTROL);
    CHECK(fc && fc->kind == GMSR_FIXED && fc->value == GUEST_FEATURE_CONTROL);
    CHECK(!guest_msr_find(0x12345678));
}

/* What Linux 6.1 reads unchecked (rdmsr, not rdmsr_safe) at boot must
 * answer; a #GP there is an "unchecked MSR access error" in its log. */
TEST(linux_boot_reads_answer)
{
    struct guest_msrs s = { 0 };
    static const uint32_t unchecked[] = {
        MSR_IA32_BIOS_SIGN_ID,      /* intel_get_microcode_revision */
        MSR_IA32_MISC_ENABLE,       /* early_init_intel: fast strings */
        MSR_IA32_MTRRCAP, MSR_IA32_MTRR_DEF_TYPE, MSR_IA32_MTRR_FIX64K_00000,
        MSR_IA32_MTRR_FIX16K_80000, MSR_IA32_MTRR_FIX16K_A0000, 0x26f,   /* get_mtrr_state */
        MSR_IA32_MCG_CAP,           /* __mcheck_cpu_cap_init */
        MSR_IA32_FEATURE_CONTROL,   /* init_ia32_feat_ctl */
    };
    for (unsigned i = 0; i < sizeof(unchecked) / sizeof(unchecked[0]); i++) {
        uint64_t v;
        if (guest_msr_read(&s, &none, unchecked[i], &v) != GMSR_DONE)
            UNIT_FAIL("RDMSR 0x%x does not answer", unchecked[i]);
    }
    CHECK_EQ(rd(&s, &none, MSR_IA32_BIOS_SIGN_ID), 0x100000000ull);
    CHECK_EQ(rd(&s, &none, MSR_IA32_MISC_ENABLE) & 1, 0);          /* fast strings: the host's (off) */
    CHECK_EQ(rd(&s, &none, MSR_IA32_MISC_ENABLE) & (1u << 18), 0); /* no MONITOR */
    CHECK_EQ(rd(&s, &none, MSR_IA32_MISC_ENABLE) & (1u << 22), 0); /* no CPUID limit */
    CHECK_EQ(rd(&s, &none, MSR_IA32_MCG_CAP), 0);
    CHECK_EQ(rd(&s, &none, MSR_IA32_MTRRCAP), 0x500);
    CHECK_EQ(rd(&s, &none, MSR_IA32_FEATURE_CONTROL), 1);
}

TEST(mtrrs_power_on_and_read_back)
{
    struct guest_msrs s = { 0 };
    CHECK_EQ(rd(&s, &none, MSR_IA32_MTRR_DEF_TYPE), 0xc06);
    CHECK_EQ(rd(&s, &none, MSR_IA32_MTRR_FIX64K_00000), 0x0606060606060606ull);
    CHECK_EQ(rd(&s, &none, MSR_IA32_MTRR_FIX16K_A0000), 0);
    for (uint32_t m = 0x268; m <= 0x26f; m++)
        CHECK_EQ(rd(&s, &none, m), 0x0606060606060606ull);
    /* Linux's prepare_set/post_set: E and FE off, then back */
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MTRR_DEF_TYPE, 0), GMSR_DONE);
    CHECK_EQ(rd(&s, &none, MSR_IA32_MTRR_DEF_TYPE), 0);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MTRR_DEF_TYPE, 0xc06), GMSR_DONE);
    CHECK_EQ(rd(&s, &none, MSR_IA32_MTRR_DEF_TYPE), 0xc06);
    /* a fixed range: WT, WP, WC, UC bytes */
    CHECK_EQ(guest_msr_write(&s, &none, 0x26c, 0x0405010004050100ull), GMSR_DONE);
    CHECK_EQ(rd(&s, &none, 0x26c), 0x0405010004050100ull);
    CHECK_EQ(rd(&s, &none, 0x26b), 0x0606060606060606ull);     /* its neighbours kept */
    CHECK_EQ(rd(&s, &none, 0x26d), 0x0606060606060606ull);
    /* invalid: types 2, 3, 7; reserved bits of DEF_TYPE */
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MTRR_DEF_TYPE, 0xc02), GMSR_INVALID);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MTRR_DEF_TYPE, 0xc07), GMSR_INVALID);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MTRR_DEF_TYPE, 0x1c06), GMSR_INVALID);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MTRR_DEF_TYPE, 0xc06 | 1ull << 40), GMSR_INVALID);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MTRR_FIX16K_80000, 0x0606060606060603ull),
             GMSR_INVALID);
    CHECK_EQ(rd(&s, &none, MSR_IA32_MTRR_DEF_TYPE), 0xc06);     /* unchanged */
    CHECK_EQ(rd(&s, &none, MSR_IA32_MTRR_FIX16K_80000), 0x0606060606060606ull);
    /* no variable ranges: VCNT is 0 */
    uint64_t v;
    CHECK_EQ(guest_msr_read(&s, &none, MSR_IA32_MTRR_PHYSBASE0, &v), GMSR_REFUSE);
    CHECK_EQ(guest_msr_write(&s, &none, 0x201, 0), GMSR_REFUSE);
}

TEST(each_vcpu_its_own)
{
    struct guest_msrs a = { 0 }, b = { 0 };
    CHECK_EQ(guest_msr_write(&a, &none, MSR_IA32_MTRR_DEF_TYPE, 0x800), GMSR_DONE);
    CHECK_EQ(rd(&b, &none, MSR_IA32_MTRR_DEF_TYPE), 0xc06);
    CHECK_EQ(rd(&a, &none, MSR_IA32_MTRR_DEF_TYPE), 0x800);
    /* a zeroed vCPU (a restart) starts again from power-on */
    a = (struct guest_msrs){ 0 };
    CHECK_EQ(rd(&a, &none, MSR_IA32_MTRR_DEF_TYPE), 0xc06);
}

TEST(read_only_and_kept_values)
{
    struct guest_msrs s = { 0 };
    /* FIXED: a write is refused and logged */
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_FEATURE_CONTROL, 5), GMSR_INVALID);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MTRRCAP, 0x500), GMSR_INVALID);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MCG_CAP, 0), GMSR_INVALID);
    /* MISC: the same value, or nothing; fast strings as the host has them */
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MISC_ENABLE, 0x1800), GMSR_DONE);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MISC_ENABLE, 0x1801), GMSR_INVALID);
    CHECK_EQ(rd(&s, &none, MSR_IA32_MISC_ENABLE), 0x1800);
    struct guest_msr_facts fast = { .host_misc_enable = 0x850089 };   /* a BIOS's, fast strings on */
    CHECK_EQ(rd(&s, &fast, MSR_IA32_MISC_ENABLE), 0x1801);
    CHECK_EQ(guest_msr_write(&s, &fast, MSR_IA32_MISC_ENABLE, 0x1801), GMSR_DONE);
    CHECK_EQ(guest_msr_write(&s, &fast, MSR_IA32_MISC_ENABLE, 0x1801 | 1u << 22), GMSR_INVALID);
    CHECK_EQ(guest_msr_write(&s, &fast, MSR_IA32_MISC_ENABLE, 0x1800), GMSR_INVALID);
    /* IGNORED: Linux writes 0 before reading the microcode revision */
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_BIOS_SIGN_ID, 0), GMSR_DONE);
    CHECK_EQ(rd(&s, &none, MSR_IA32_BIOS_SIGN_ID), 0x100000000ull);
    /* ZERO */
    CHECK_EQ(rd(&s, &none, MSR_IA32_MCG_STATUS), 0);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MCG_STATUS, 0), GMSR_DONE);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_MCG_STATUS, 4), GMSR_INVALID);
}

TEST(rows_that_need_a_cpuid_feature)
{
    struct guest_msrs s = { 0 };
    uint64_t v;
    /* IA32_XSS only with XSAVES shown, then only 0 */
    CHECK_EQ(guest_msr_read(&s, &none, MSR_IA32_XSS, &v), GMSR_REFUSE);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_XSS, 0), GMSR_REFUSE);
    struct guest_msr_facts f = { .xsaves = true };
    CHECK_EQ(rd(&s, &f, MSR_IA32_XSS), 0);
    CHECK_EQ(guest_msr_write(&s, &f, MSR_IA32_XSS, 0), GMSR_DONE);
    CHECK_EQ(guest_msr_write(&s, &f, MSR_IA32_XSS, 1u << 8), GMSR_INVALID);
    /* IA32_ARCH_CAPABILITIES: the host's "not affected" bits only */
    CHECK_EQ(guest_msr_read(&s, &none, MSR_IA32_ARCH_CAPABILITIES, &v), GMSR_REFUSE);
    f = (struct guest_msr_facts){ .arch_cap = true, .host_arch_cap = ~0ull };
    v = rd(&s, &f, MSR_IA32_ARCH_CAPABILITIES);
    CHECK(v & 1);                       /* RDCL_NO */
    CHECK(v & 1u << 5);                 /* MDS_NO */
    CHECK(!(v & 1u << 1));              /* IBRS_ALL: IA32_SPEC_CTRL is not the guest's */
    CHECK(!(v & 1u << 7));              /* TSX_CTRL: IA32_TSX_CTRL not there */
    CHECK(!(v & 1u << 18));             /* FB_CLEAR_CTRL */
    CHECK(!(v & 1u << 25));             /* GDS_CTRL */
    CHECK(!(v & 1u << 3));              /* SKIP_L1DFL_VMENTRY: no nested VMX to skip it for */
    f.host_arch_cap = 0x20;             /* MDS_NO only */
    CHECK_EQ(rd(&s, &f, MSR_IA32_ARCH_CAPABILITIES), 0x20);
    CHECK_EQ(guest_msr_write(&s, &f, MSR_IA32_ARCH_CAPABILITIES, 0x20), GMSR_INVALID);
}

TEST(refused_on_purpose)
{
    struct guest_msrs s = { 0 };
    /* what Linux probes with rdmsr_safe, and what CPUID does not show */
    static const uint32_t quiet[] = {
        MSR_IA32_PLATFORM_ID, MSR_TEST_CTRL, MSR_IA32_TSC_ADJUST, MSR_IA32_SPEC_CTRL,
        MSR_IA32_PRED_CMD, MSR_PPIN_CTL, MSR_PPIN, MSR_PLATFORM_INFO, MSR_MISC_FEATURES_ENABLES,
        MSR_IA32_MPERF, MSR_IA32_APERF, MSR_IA32_TSX_CTRL, MSR_IA32_MCU_OPT_CTRL,
        MSR_IA32_PERF_CAPABILITIES, MSR_IA32_ENERGY_PERF_BIAS, MSR_IA32_THERM_STATUS,
        MSR_IA32_MCG_CTL, MSR_IA32_MC0_CTL, 0x47f, MSR_IA32_MC0_CTL2, MSR_RAPL_POWER_UNIT, 0x611,
        MSR_IA32_TSC_AUX, MSR_IA32_UMWAIT_CONTROL, MSR_IA32_CORE_CAPABILITIES, MSR_IA32_FLUSH_CMD,
        MSR_IA32_PMC0, MSR_IA32_PERFEVTSEL0, 0x38f, MSR_IA32_U_CET, 0x6a2, MSR_IA32_BNDCFGS,
        MSR_AMD64_DE_CFG,           /* pm_save_spec_msr reads it on Intel too */
        MSR_SMI_COUNT,              /* perf's msr PMU */
        MSR_OC_MAILBOX,             /* intel_turbo_max_3 (the generic kernel) */
    };
    for (unsigned i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
        uint64_t v;
        if (guest_msr_read(&s, &none, quiet[i], &v) != GMSR_REFUSE)
            UNIT_FAIL("RDMSR 0x%x not refused quietly", quiet[i]);
        if (guest_msr_write(&s, &none, quiet[i], 0) != GMSR_REFUSE)
            UNIT_FAIL("WRMSR 0x%x not refused quietly", quiet[i]);
    }
}

TEST(others_are_not_the_tables)
{
    struct guest_msrs s = { 0 };
    uint64_t v;
    /* handled before the table */
    static const uint32_t elsewhere[] = {
        MSR_IA32_TSC, MSR_IA32_APIC_BASE, MSR_IA32_PAT, MSR_IA32_EFER, MSR_IA32_SYSENTER_EIP,
        MSR_IA32_TSC_DEADLINE, 0x80b, 0x8ff, MSR_IA32_LSTAR, MSR_IA32_KERNEL_GS_BASE,
    };
    for (unsigned i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++)
        CHECK_EQ(guest_msr_read(&s, &none, elsewhere[i], &v), GMSR_NOT_HERE);
    /* not listed: the caller refuses it, logged */
    CHECK_EQ(guest_msr_read(&s, &none, 0x4b564d00, &v), GMSR_NOT_HERE);  /* kvmclock */
    CHECK_EQ(guest_msr_write(&s, &none, 0xc0010015, 0), GMSR_NOT_HERE);  /* AMD HWCR */
}

TEST(debugctl_in_the_vmcs)
{
    struct guest_msrs s = { 0 };
    uint64_t v;
    CHECK_EQ(guest_msr_read(&s, &none, MSR_IA32_DEBUGCTL, &v), GMSR_IN_VMCS);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_DEBUGCTL, 0), GMSR_IN_VMCS);
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_DEBUGCTL, 2), GMSR_IN_VMCS);    /* BTF */
    CHECK_EQ(guest_msr_write(&s, &none, MSR_IA32_DEBUGCTL, 1), GMSR_INVALID);    /* LBR */
}

/* The answers the exit path may keep (vmx/entry.asm's RDMSR path): the
 * kinds no write changes, not the per-vCPU or VMCS ones. */
TEST(constant_reads)
{
    CHECK(guest_msr_read_constant(MSR_IA32_MTRRCAP));           /* FIXED */
    CHECK(guest_msr_read_constant(MSR_IA32_MCG_STATUS));        /* ZERO */
    CHECK(!guest_msr_read_constant(MSR_IA32_MTRR_DEF_TYPE));    /* per vCPU */
    CHECK(!guest_msr_read_constant(MSR_IA32_MTRR_FIX64K_00000));
    CHECK(!guest_msr_read_constant(MSR_IA32_DEBUGCTL));         /* the VMCS */
    CHECK(!guest_msr_read_constant(MSR_IA32_EFER));             /* elsewhere */
    CHECK(!guest_msr_read_constant(MSR_IA32_PLATFORM_ID));      /* #GP */
    CHECK(!guest_msr_read_constant(0x12345678));                /* not listed */
    for (unsigned i = 0; i < guest_msr_count; i++) {
        const struct guest_msr_info *m = &guest_msr_table[i];
        bool constant = m->kind == GMSR_FIXED || m->kind == GMSR_KEEP ||
                        m->kind == GMSR_IGNORED || m->kind == GMSR_ZERO ||
                        m->kind == GMSR_HOST || m->kind == GMSR_MISC;
        CHECK_EQ(guest_msr_read_constant(m->first), constant);
        CHECK_EQ(guest_msr_read_constant(m->last), constant);
    }
}
