// unit: vmx/vmcs_config.c kernel/lib/fmt.c
#include "vmx/vmcs_config.h"
#include "unit.h"

/* Recorded capability sets (tests/unit/fixtures/vmx, README there). */
static struct vmx_msrs load(const char *name, uint32_t cpu_id)
{
    struct vmx_msrs m = { .cpu_id = cpu_id, .vmx = true };
    char path[256], line[256];
    snprintf(path, sizeof(path), "tests/unit/fixtures/vmx/%s.txt", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        UNIT_FAIL("cannot open %s (run from the repository root)", path);
        return m;
    }
    while (fgets(line, sizeof(line), f)) {
        unsigned msr;
        unsigned long long v;
        if (line[0] == '#' || sscanf(line, "%x %llx", &msr, &v) != 2)
            continue;
        if (msr < 0x480 || msr >= 0x480 + VMXCAP_COUNT) {
            UNIT_FAIL("%s: MSR 0x%x is not a VMX capability MSR", path, msr);
            continue;
        }
        m.msr[msr - 0x480] = v;
        m.present |= 1u << (msr - 0x480);
    }
    fclose(f);
    return m;
}

/* Keeps up to 200 lines (the full report is longer than struct reports). */
static void collect_all(void *ctx, const char *msg)
{
    struct { int n; char msg[200][200]; } *l = ctx;
    if (l->n < 200)
        snprintf(l->msg[l->n], sizeof(l->msg[0]), "%s", msg);
    l->n++;
}

static struct vmcs_config cfg;
static struct reports rep;

static unsigned negotiate(const struct vmx_msrs *cpus, unsigned n)
{
    memset(&rep, 0, sizeof(rep));
    return setup_vmcs_config(cpus, n, &cfg, collect_report, &rep);
}

/* Every report, one per line, for CHECK_HAS over all of them. */
static const char *all_reports(void)
{
    static char buf[8192];
    buf[0] = '\0';
    for (int i = 0; i < rep.n && i < 32; i++) {
        strncat(buf, rep.msg[i], sizeof(buf) - strlen(buf) - 2);
        strcat(buf, "\n");
    }
    return buf;
}

/* Clear a may-be-1 bit of a control word in both the plain and TRUE MSR. */
static void forbid(struct vmx_msrs *m, enum vmx_cap_msr plain, enum vmx_cap_msr true_msr,
                   uint32_t bits)
{
    m->msr[plain] &= ~((uint64_t)bits << 32);
    m->msr[true_msr] &= ~((uint64_t)bits << 32);
}

/* The common setting Bochs' corei7_skylake_x gives (also seen on a 4-CPU
 * Bochs boot, tests/integration/bochs-boot.test). */
#define SKX_PIN   0x0000007fu
#define SKX_PROC  0xb6b86dfau      /* with "use TPR shadow" */
#define SKX_PROC2 0x001013fbu      /* with the APIC virtualization controls */
#define SKX_EXIT  0x007fefffu
#define SKX_ENTRY 0x0000d1ffu
#define SKX_EPT   0x70106334041ull

TEST(adjust_vmx_controls_follows_the_sdm_rule)
{
    uint32_t r;
    /* may be 1: 0x0f; must be 1: 0x01 */
    CHECK_EQ(adjust_vmx_controls(0x02, 0x04, 0x0000000f00000001ull, &r), 0);
    CHECK_EQ(r, 0x07);                  /* min + opt + forced bit 0 */
    CHECK_EQ(adjust_vmx_controls(0x02, 0x30, 0x0000000f00000001ull, &r), 0);
    CHECK_EQ(r, 0x03);                  /* optional bits that may not be 1 dropped */
    CHECK_EQ(adjust_vmx_controls(0x12, 0x00, 0x0000000f00000001ull, &r), 0x10);
    CHECK_EQ(r, 0x03);                  /* a required bit that cannot be 1 is returned */
    CHECK_EQ(adjust_vmx_controls(0, 0, 0xffffffff00000016ull, &r), 0);
    CHECK_EQ(r, 0x16);                  /* nothing wanted: only the forced bits */
}

TEST(bochs_skylake_x_alone)
{
    struct vmx_msrs c = load("bochs-skylake-x", 0);
    CHECK_EQ(negotiate(&c, 1), 1);
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(cfg.ctl[VMX_PIN], SKX_PIN);
    CHECK_EQ(cfg.ctl[VMX_PROC], SKX_PROC);
    CHECK_EQ(cfg.ctl[VMX_PROC2], SKX_PROC2);
    CHECK_EQ(cfg.ctl[VMX_EXIT], SKX_EXIT);
    CHECK_EQ(cfg.ctl[VMX_ENTRY], SKX_ENTRY);
    CHECK_EQ(cfg.ept_vpid, SKX_EPT);
    CHECK_EQ(cfg.region_size, 4096);
    /* TRUE MSRs were used: CR3-load/store exiting (default 1 in the plain
     * MSR) are off, and IA-32e mode guest is allowed but not set. */
    CHECK(!(cfg.ctl[VMX_PROC] & (VMX_PROC_CR3_LOAD_EXITING | VMX_PROC_CR3_STORE_EXITING)));
    CHECK(cfg.allowed1[VMX_ENTRY] & VMX_ENTRY_IA32E_MODE_GUEST);
    CHECK(!(cfg.ctl[VMX_ENTRY] & VMX_ENTRY_IA32E_MODE_GUEST));
}

TEST(bochs_tigerlake_and_skylake_x_together)
{
    struct vmx_msrs c[2] = { load("bochs-tigerlake", 0), load("bochs-skylake-x", 1) };
    CHECK_EQ(negotiate(c, 2), 2);
    CHECK_EQ(rep.n, 0);                 /* tigerlake's extras are controls Keel does not want */
    CHECK_EQ(cfg.ctl[VMX_PROC], SKX_PROC);
    CHECK_EQ(cfg.ctl[VMX_PROC2], SKX_PROC2);
    CHECK_EQ(cfg.ctl[VMX_ENTRY], SKX_ENTRY);
    CHECK_EQ(cfg.ept_vpid, SKX_EPT);
}

TEST(real_cpus_each_alone)
{
    static const char *const names[] = { "ivybridge-i5-3570", "broadwell-i7-5600u",
                                         "skylake-i7-6700k", "coffeelake-906ea-gs65" };
    for (unsigned i = 0; i < 4; i++) {
        struct vmx_msrs c = load(names[i], 0);
        if (negotiate(&c, 1) != 1)
            UNIT_FAIL("%s refused: %s", names[i], all_reports());
        CHECK_EQ(rep.n, 0);
        CHECK(cfg.ctl[VMX_PROC2] & VMX_PROC2_ENABLE_EPT);
        CHECK(cfg.ctl[VMX_PROC2] & VMX_PROC2_ENABLE_VPID);
        CHECK(cfg.ctl[VMX_PROC2] & VMX_PROC2_UNRESTRICTED_GUEST);
        CHECK(cfg.ctl[VMX_PIN] & VMX_PIN_PREEMPTION_TIMER);
        CHECK(cfg.ctl[VMX_EXIT] & VMX_EXIT_HOST_ADDR_SPACE_SIZE);
        CHECK(!(cfg.ctl[VMX_PROC2] & VMX_PROC2_VMCS_SHADOWING));   /* not wanted */
    }
    struct vmx_msrs ivb = load("ivybridge-i5-3570", 0);
    negotiate(&ivb, 1);
    CHECK(!(cfg.ept_vpid & VMX_EPT_VPID(PAGE_1G)));                /* Ivy Bridge: none */
    CHECK(!(cfg.ept_vpid & VMX_EPT_VPID(ACCESSED_DIRTY)));
    CHECK(!(cfg.ctl[VMX_PROC2] & VMX_PROC2_ENABLE_XSAVES));
    struct vmx_msrs skl = load("skylake-i7-6700k", 0);
    negotiate(&skl, 1);
    CHECK(cfg.ept_vpid & VMX_EPT_VPID(PAGE_1G));
    CHECK(cfg.ctl[VMX_PROC2] & VMX_PROC2_ENABLE_XSAVES);
}

TEST(older_cpu_costs_optional_features_on_all)
{
    struct vmx_msrs c[2] = { load("ivybridge-i5-3570", 0), load("skylake-i7-6700k", 1) };
    CHECK_EQ(negotiate(c, 2), 2);
    const char *r = all_reports();
    CHECK_HAS(r, "cpu0 lacks 'enable INVPCID': off on all CPUs");
    CHECK_HAS(r, "cpu0 lacks 'enable XSAVES/XRSTORS': off on all CPUs");
    CHECK_HAS(r, "cpu0 lacks '1-GByte EPT pages': not used on any CPU");
    CHECK_HAS(r, "cpu0 lacks 'EPT accessed and dirty flags': not used on any CPU");
    CHECK(!strstr(r, "cpu1 lacks"));
    CHECK(!(cfg.ctl[VMX_PROC2] & (VMX_PROC2_ENABLE_XSAVES | VMX_PROC2_ENABLE_INVPCID)));
    CHECK(!(cfg.ept_vpid & VMX_EPT_VPID(PAGE_1G)));
    CHECK(cfg.ept_vpid & VMX_EPT_VPID(PAGE_2M));
}

TEST(kvm_nested_without_host_address_space_size_refused)
{
    struct vmx_msrs c = load("kvm-nested-qemu32-lhv", 3);
    CHECK_EQ(negotiate(&c, 1), 0);
    CHECK_HAS(all_reports(), "cpu3 lacks required 'host address-space size' "
                             "(IA32_VMX_EXIT_CTLS bit 9)");
    CHECK_HAS(all_reports(), "cpu3 left out of VMX (1 problem above)");
}

TEST(required_control_missing_leaves_that_cpu_out)
{
    struct vmx_msrs c[3] = { load("bochs-skylake-x", 0), load("bochs-skylake-x", 1),
                             load("bochs-skylake-x", 2) };
    forbid(&c[2], VMXCAP_PROCBASED_CTLS, VMXCAP_TRUE_PROCBASED_CTLS, VMX_PROC_HLT_EXITING);
    CHECK_EQ(negotiate(c, 3), 2);
    CHECK(cfg.in_vmx[0] && cfg.in_vmx[1] && !cfg.in_vmx[2]);
    CHECK_EQ(rep.n, 2);
    CHECK_STR(rep.msg[0], "cpu2 lacks required 'HLT exiting' (IA32_VMX_PROCBASED_CTLS bit 7)");
    CHECK_STR(rep.msg[1], "cpu2 left out of VMX (1 problem above)");
    CHECK_EQ(cfg.ctl[VMX_PROC], SKX_PROC);      /* the others keep the full setting */
}

TEST(optional_control_missing_on_one_cpu_off_on_all)
{
    struct vmx_msrs c[4];
    for (unsigned i = 0; i < 4; i++)
        c[i] = load("bochs-skylake-x", i);
    forbid(&c[3], VMXCAP_PROCBASED_CTLS2, VMXCAP_PROCBASED_CTLS2,
           VMX_PROC2_UNRESTRICTED_GUEST);
    CHECK_EQ(negotiate(c, 4), 4);
    CHECK_EQ(rep.n, 1);
    CHECK_STR(rep.msg[0], "cpu3 lacks 'unrestricted guest': off on all CPUs");
    CHECK_EQ(cfg.ctl[VMX_PROC2], SKX_PROC2 & ~VMX_PROC2_UNRESTRICTED_GUEST);
}

TEST(missing_ept_or_vpid_refused)
{
    struct vmx_msrs c = load("bochs-skylake-x", 0);
    forbid(&c, VMXCAP_PROCBASED_CTLS2, VMXCAP_PROCBASED_CTLS2, VMX_PROC2_ENABLE_EPT);
    CHECK_EQ(negotiate(&c, 1), 0);
    CHECK_HAS(all_reports(), "cpu0 lacks required 'enable EPT' (IA32_VMX_PROCBASED_CTLS2 bit 1)");

    c = load("bochs-skylake-x", 0);
    forbid(&c, VMXCAP_PROCBASED_CTLS2, VMXCAP_PROCBASED_CTLS2, VMX_PROC2_ENABLE_VPID);
    CHECK_EQ(negotiate(&c, 1), 0);
    CHECK_HAS(all_reports(), "cpu0 lacks required 'enable VPID' (IA32_VMX_PROCBASED_CTLS2 bit 5)");

    c = load("bochs-skylake-x", 0);
    c.msr[VMXCAP_EPT_VPID_CAP] &= ~VMX_EPT_VPID(WB_MEMTYPE);
    CHECK_EQ(negotiate(&c, 1), 0);
    CHECK_HAS(all_reports(), "cpu0 lacks required 'write-back EPT paging structures' "
                             "(IA32_VMX_EPT_VPID_CAP bit 14)");
}

TEST(no_secondary_controls_names_everything_missing)
{
    struct vmx_msrs c = load("bochs-skylake-x", 0);
    forbid(&c, VMXCAP_PROCBASED_CTLS, VMXCAP_TRUE_PROCBASED_CTLS, VMX_PROC_SECONDARY_CONTROLS);
    CHECK_EQ(negotiate(&c, 1), 0);
    const char *r = all_reports();
    CHECK_HAS(r, "'activate secondary controls' (IA32_VMX_PROCBASED_CTLS bit 31)");
    CHECK_HAS(r, "'enable EPT' (IA32_VMX_PROCBASED_CTLS2 bit 1)");
    CHECK_HAS(r, "'enable VPID' (IA32_VMX_PROCBASED_CTLS2 bit 5)");
    CHECK_HAS(r, "'INVEPT' (IA32_VMX_EPT_VPID_CAP bit 20)");
    /* 3 controls + 6 required EPT/VPID capabilities */
    CHECK_HAS(r, "cpu0 left out of VMX (9 problems above)");
}

TEST(without_true_msrs_the_plain_ones_are_used)
{
    struct vmx_msrs c = load("bochs-skylake-x", 0);
    c.msr[VMXCAP_BASIC] &= ~(1ull << 55);
    c.msr[VMXCAP_TRUE_PROCBASED_CTLS] = 0;      /* must be ignored now */
    CHECK_EQ(negotiate(&c, 1), 1);
    /* The plain MSR forces CR3-load and CR3-store exiting (bits 15, 16). */
    CHECK_EQ(cfg.ctl[VMX_PROC], SKX_PROC | VMX_PROC_CR3_LOAD_EXITING | VMX_PROC_CR3_STORE_EXITING);
    CHECK_EQ(cfg.ctl[VMX_EXIT], SKX_EXIT);
    CHECK_EQ(cfg.ctl[VMX_ENTRY], SKX_ENTRY);
    CHECK_EQ(vmx_ctl_capability(&c, VMX_PROC), c.msr[VMXCAP_PROCBASED_CTLS]);

    struct vmx_msrs t = load("bochs-skylake-x", 0);
    CHECK_EQ(vmx_ctl_capability(&t, VMX_PROC), t.msr[VMXCAP_TRUE_PROCBASED_CTLS]);
}

TEST(msr_contradicting_itself_refused)
{
    struct vmx_msrs c = load("bochs-skylake-x", 0);
    c.msr[VMXCAP_TRUE_PINBASED_CTLS] |= VMX_PIN_POSTED_INTR;    /* must be 1 ... */
    c.msr[VMXCAP_TRUE_PINBASED_CTLS] &= ~((uint64_t)VMX_PIN_POSTED_INTR << 32); /* ... cannot */
    CHECK_EQ(negotiate(&c, 1), 0);
    CHECK_HAS(all_reports(), "cpu0: IA32_VMX_PINBASED_CTLS bit 7 must be 1 but cannot be");
}

TEST(cpu_forcing_an_unwanted_control_keeps_it_on)
{
    struct vmx_msrs c[2] = { load("bochs-skylake-x", 0), load("bochs-skylake-x", 1) };
    c[1].msr[VMXCAP_TRUE_PROCBASED_CTLS] |= VMX_PROC_RDTSC_EXITING;   /* cpu1 forces it */
    CHECK_EQ(negotiate(c, 2), 2);
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(cfg.ctl[VMX_PROC], SKX_PROC | VMX_PROC_RDTSC_EXITING);
}

TEST(cpu_forcing_what_another_cannot_set_leaves)
{
    struct vmx_msrs c[2] = { load("bochs-skylake-x", 0), load("bochs-skylake-x", 1) };
    c[1].msr[VMXCAP_TRUE_PROCBASED_CTLS] |= VMX_PROC_RDTSC_EXITING;
    forbid(&c[0], VMXCAP_PROCBASED_CTLS, VMXCAP_TRUE_PROCBASED_CTLS, VMX_PROC_RDTSC_EXITING);
    CHECK_EQ(negotiate(c, 2), 1);
    CHECK(cfg.in_vmx[0] && !cfg.in_vmx[1]);
    CHECK_HAS(all_reports(), "cpu1 forces IA32_VMX_PROCBASED_CTLS bit 12 on, which other CPUs "
                             "cannot set: cpu1 left out of VMX");
    CHECK_EQ(cfg.ctl[VMX_PROC], SKX_PROC);
}

TEST(no_vmx_firmware_lock_and_basic_fields)
{
    struct vmx_msrs c[4] = { load("bochs-skylake-x", 0), load("bochs-skylake-x", 1),
                             load("bochs-skylake-x", 2), load("bochs-skylake-x", 3) };
    c[0].vmx = false;
    c[1].locked_off = true;
    c[2].msr[VMXCAP_BASIC] &= ~(0xfull << 50);          /* uncacheable VMCS */
    c[3].msr[VMXCAP_BASIC] |= 0x1fffull << 32;          /* 8191-byte regions */
    CHECK_EQ(negotiate(c, 4), 0);
    const char *r = all_reports();
    CHECK_HAS(r, "cpu0 has no VMX (CPUID.1:ECX.VMX[bit 5] = 0)");
    CHECK_HAS(r, "cpu1: VMX is disabled by the firmware (IA32_FEATURE_CONTROL is locked with "
                 "VMX off): enable Intel Virtualization Technology in the firmware setup");
    CHECK_HAS(r, "cpu2: VMCS memory type 0 is not write-back");
    CHECK_HAS(r, "cpu3: VMXON/VMCS region size 8191 is outside 1..4096");
}

TEST(optional_ept_capability_missing_on_one_cpu)
{
    struct vmx_msrs c[2] = { load("bochs-skylake-x", 0), load("bochs-skylake-x", 1) };
    c[1].msr[VMXCAP_EPT_VPID_CAP] &= ~VMX_EPT_VPID(PAGE_1G);
    CHECK_EQ(negotiate(c, 2), 2);
    CHECK_EQ(rep.n, 1);
    CHECK_STR(rep.msg[0], "cpu1 lacks '1-GByte EPT pages': not used on any CPU");
    CHECK_EQ(cfg.ept_vpid, SKX_EPT & ~VMX_EPT_VPID(PAGE_1G));
}

TEST(report_explains_every_control)
{
    struct vmx_msrs c[2] = { load("bochs-skylake-x", 0), load("bochs-skylake-x", 1) };
    forbid(&c[1], VMXCAP_PROCBASED_CTLS2, VMXCAP_PROCBASED_CTLS2,
           VMX_PROC2_UNRESTRICTED_GUEST);
    c[0].msr[VMXCAP_TRUE_PROCBASED_CTLS] |= VMX_PROC_RDTSC_EXITING;
    negotiate(c, 2);
    memset(&rep, 0, sizeof(rep));
    struct reports lines = { 0 };
    vmcs_config_explain(&cfg, c, 2, collect_report, &lines);
    char all[8192] = "";
    for (int i = 0; i < lines.n && i < 32; i++)
        strcat(all, lines.msg[i]);
    CHECK(lines.n > 80);                /* a line per control, only the first 32 kept here */
    CHECK_HAS(lines.msg[0], "pin-based controls = 0x0000007f (IA32_VMX_PINBASED_CTLS: must be 1 "
                            "0x00000016, may be 1 0x0000007f)");
    CHECK_HAS(all, "on  external-interrupt exiting");
    CHECK_HAS(all, "bit  0  required");
    CHECK_HAS(all, "off process posted interrupts");
    CHECK_HAS(all, "on  RDTSC exiting                            bit 12  forced on by the CPU");
    CHECK_HAS(all, "reserved bits the CPU requires set");
}

TEST(report_names_the_cpu_that_lacks_an_optional_control)
{
    struct vmx_msrs c[3] = { load("bochs-skylake-x", 0), load("bochs-skylake-x", 1),
                             load("bochs-skylake-x", 2) };
    forbid(&c[1], VMXCAP_PROCBASED_CTLS2, VMXCAP_PROCBASED_CTLS2,
           VMX_PROC2_UNRESTRICTED_GUEST);
    forbid(&c[2], VMXCAP_PROCBASED_CTLS2, VMXCAP_PROCBASED_CTLS2,
           VMX_PROC2_UNRESTRICTED_GUEST);
    negotiate(c, 3);
    static struct { int n; char msg[200][200]; } lines;
    lines.n = 0;
    vmcs_config_explain(&cfg, c, 3, collect_all, &lines);
    int found = 0;
    for (int i = 0; i < lines.n; i++)
        if (strstr(lines.msg[i], "off unrestricted guest") &&
            strstr(lines.msg[i], "optional, not allowed by cpu1, cpu2"))
            found++;
    CHECK_EQ(found, 1);
}
