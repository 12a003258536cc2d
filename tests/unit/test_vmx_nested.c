// unit: vmx/nested.c vmx/caps_dump.c vmx/vmcs_config.c kernel/cmdline.c kernel/lib/fmt.c
/* The nested profile and vmx=dump: fixtures of QEMU/KVM nested VMX
 * (recorded on Google's KVM-based hypervisor, derived from upstream KVM's
 * code, recorded under KVM by XMHF's LHV), a vmx=dump capture from Bochs
 * read back, the fixture parser, and the decisions: what Keel does
 * without the features nested VMX lacks, what a refusal tells the user. */
#include "tests/unit/vmx_fixture.h"
#include "unit.h"
#include "vmx/nested.h"

static struct vmx_msrs load(const char *name, uint32_t cpu_id)
{
    char path[256];
    struct vmx_msrs m;
    snprintf(path, sizeof(path), "tests/unit/fixtures/vmx/%s.txt", name);
    if (!vmx_fixture_load(path, cpu_id, &m))
        UNIT_FAIL("fixture %s does not load", path);
    return m;
}

/* Up to 64 lines of 240 characters, all of them joined for CHECK_HAS. */
struct lines {
    int n;
    char msg[64][240];
    char all[64 * 242];
};

static void collect(void *ctx, const char *msg)
{
    struct lines *l = ctx;
    if (l->n < 64) {
        snprintf(l->msg[l->n], sizeof(l->msg[0]), "%s", msg);
        strcat(l->all, l->msg[l->n]);
        strcat(l->all, "\n");
    }
    l->n++;
}

static struct vmcs_config cfg;
static struct lines warn, out;

static unsigned negotiate(const struct vmx_msrs *cpus, unsigned n)
{
    memset(&warn, 0, sizeof(warn));
    return setup_vmcs_config(cpus, n, &cfg, collect, &warn);
}

static void profile(const struct vmx_msrs *cpus, unsigned n, unsigned in_vmx)
{
    struct vmx_nested nv;
    memset(&out, 0, sizeof(out));
    vmx_nested_detect(&cpus[0], &nv);
    vmx_nested_report(&nv, cpus, n, &cfg, in_vmx, collect, &out);
    if (!in_vmx)
        vmx_nested_hints(&nv, cpus, n, collect, &out);
}

/* The setting Bochs' corei7_skylake_x gives (test_vmx_config.c). */
#define SKX_PIN   0x0000007fu
#define SKX_PROC  0xb6b86dfau
#define SKX_PROC2 0x001013fbu
#define SKX_EXIT  0x007fefffu
#define SKX_ENTRY 0x0000d1ffu
#define SKX_EPT   0x70106334041ull

TEST(bochs_dump_capture_negotiates_like_the_recorded_set)
{
    struct vmx_msrs d = load("bochs-skylake-x-dump", 0), r = load("bochs-skylake-x", 0);
    CHECK(d.vmx && !d.locked_off);
    CHECK(d.have_feature_control);
    CHECK_EQ(d.feature_control, 5);
    for (int i = 0; i < VMXCAP_VMFUNC; i++)     /* the recorded set has no VMFUNC line */
        CHECK_EQ(d.msr[i], r.msr[i]);
    CHECK_EQ(negotiate(&d, 1), 1);
    CHECK_EQ(warn.n, 0);
    CHECK_EQ(cfg.ctl[VMX_PIN], SKX_PIN);
    CHECK_EQ(cfg.ctl[VMX_PROC], SKX_PROC);
    CHECK_EQ(cfg.ctl[VMX_PROC2], SKX_PROC2);
    CHECK_EQ(cfg.ctl[VMX_EXIT], SKX_EXIT);
    CHECK_EQ(cfg.ctl[VMX_ENTRY], SKX_ENTRY);
    CHECK_EQ(cfg.ept_vpid, SKX_EPT);
    profile(&d, 1, 1);
    CHECK_EQ(out.n, 0);                     /* Bochs sets no hypervisor bit */
}

TEST(dump_reads_back_as_the_same_capabilities)
{
    struct vmx_msrs d = load("bochs-skylake-x-dump", 3), back = { .cpu_id = 3, .vmx = true };
    memset(&out, 0, sizeof(out));
    vmx_caps_dump(&d, collect, &out);
    CHECK(out.n > 20);
    CHECK_HAS(out.msg[0], "# Keel vmx=dump of cpu3:");
    const char *why = NULL;
    for (int i = 0; i < out.n && i < 64; i++)
        if (!vmx_fixture_line(out.msg[i], &back, &why))
            UNIT_FAIL("line %d '%s': %s", i, out.msg[i], why);
    vmx_fixture_finish(&back);
    CHECK_EQ(back.vmx, d.vmx);
    CHECK_EQ(back.locked_off, d.locked_off);
    CHECK_EQ(back.present, d.present);
    CHECK(!memcmp(back.msr, d.msr, sizeof(d.msr)));
    CHECK_EQ(back.have_feature_control, d.have_feature_control);
    CHECK_EQ(back.feature_control, d.feature_control);
    CHECK_EQ(back.ncpuid, d.ncpuid);
    for (unsigned i = 0; i < d.ncpuid; i++) {
        CHECK_EQ(back.cpuid[i].leaf, d.cpuid[i].leaf);
        CHECK_EQ(back.cpuid[i].subleaf, d.cpuid[i].subleaf);
        CHECK_EQ(back.cpuid[i].eax, d.cpuid[i].eax);
        CHECK_EQ(back.cpuid[i].ebx, d.cpuid[i].ebx);
        CHECK_EQ(back.cpuid[i].ecx, d.cpuid[i].ecx);
        CHECK_EQ(back.cpuid[i].edx, d.cpuid[i].edx);
    }
}

TEST(fixture_lines_refused_by_name)
{
    struct vmx_msrs m = { .vmx = true };
    const char *why = NULL;
    CHECK(vmx_fixture_line("  # a comment\n", &m, &why));
    CHECK(vmx_fixture_line("\n", &m, &why));
    CHECK(vmx_fixture_line("0x480 0x00d8100011e57ed0  # trailing comment\n", &m, &why));
    CHECK_EQ(m.present, 1);
    CHECK(!vmx_fixture_line("0x3b 5\n", &m, &why));
    CHECK_HAS(why, "not a VMX capability MSR");
    CHECK(!vmx_fixture_line("0x480\n", &m, &why));
    CHECK_HAS(why, "expected 'MSR VALUE'");
    CHECK(!vmx_fixture_line("0x480 0x1 junk\n", &m, &why));
    CHECK(!vmx_fixture_line("cpuid 0x1 0x0 0x1 0x2 0x3\n", &m, &why));
    CHECK_HAS(why, "LEAF SUBLEAF EAX EBX ECX EDX");
    CHECK(!vmx_fixture_line("cpuid 0x1 0x0 0x1 0x2 0x3 0x100000000\n", &m, &why));
    CHECK(vmx_fixture_line("cpuid 0x1 0x0 0x1 0x2 0x20 0x4\n", &m, &why));
    CHECK_EQ(m.ncpuid, 1);
    /* FEATURE_CONTROL locked with VMX off: the firmware is named */
    CHECK(vmx_fixture_line("0x03a 0x1\n", &m, &why));
    vmx_fixture_finish(&m);
    CHECK(m.vmx && m.locked_off);
    CHECK_EQ(negotiate(&m, 1), 0);
    CHECK_HAS(warn.all, "VMX is disabled by the firmware");
    /* unlocked (Keel enables and locks it): not locked off */
    m.feature_control = 0;
    vmx_fixture_finish(&m);
    CHECK(!m.locked_off);
}

TEST(kvm_nested_derived_runs_and_says_what_it_lacks)
{
    struct vmx_msrs k = load("kvm-nested-skylake-derived", 0);
    struct vmx_nested nv;
    vmx_nested_detect(&k, &nv);
    CHECK(nv.nested && nv.hv_bit && nv.kvm_vmcs);
    CHECK_STR(nv.signature, "KVMKVMKVM");
    CHECK_STR(nv.name, "KVM");
    CHECK_EQ(nv.phys_bits, 39);
    CHECK_EQ(negotiate(&k, 1), 1);
    CHECK_EQ(warn.n, 0);
    CHECK(cfg.ctl[VMX_PROC2] & VMX_PROC2_ENABLE_EPT);
    CHECK(cfg.ctl[VMX_PROC2] & VMX_PROC2_ENABLE_VPID);
    CHECK(cfg.ctl[VMX_PROC2] & VMX_PROC2_UNRESTRICTED_GUEST);
    CHECK(cfg.ctl[VMX_PIN] & VMX_PIN_PREEMPTION_TIMER);     /* KVM emulates it */
    CHECK(cfg.ctl[VMX_PIN] & VMX_PIN_VIRTUAL_NMIS);
    CHECK(!(cfg.ctl[VMX_PROC2] & VMX_PROC2_APIC_REGISTER_VIRT));
    CHECK_EQ(cfg.ept_vpid, SKX_EPT);
    profile(&k, 1, 1);
    CHECK_STR(out.msg[0], "nested: Keel runs under a hypervisor (CPUID.1:ECX[31], signature "
                          "'KVMKVMKVM', KVM): its VMX is that hypervisor's emulation; Keel does "
                          "without what it lacks where it can");
    CHECK_STR(out.msg[1], "nested: VMCS revision 0x11e57ed0 is KVM's vmcs12");
    CHECK_STR(out.msg[2], "nested: physical addresses are 39 bits");
    CHECK_HAS(out.all, "nested: no APIC virtualization: guests' local APICs are emulated");
    CHECK_HAS(out.all, "nested: no PAUSE-loop exiting: not used by Keel");
    CHECK(!strstr(out.all, "preemption timer"));
    CHECK(!strstr(out.all, "NMI-window"));
    CHECK(!strstr(out.all, "EPT without"));
}

TEST(google_nested_without_preemption_timer_or_nmi_window_still_runs)
{
    struct vmx_msrs g = load("kvm-nested-gcp-recorded", 0);
    CHECK_EQ(negotiate(&g, 1), 1);
    CHECK_EQ(warn.n, 0);
    CHECK(!(cfg.ctl[VMX_PIN] & VMX_PIN_PREEMPTION_TIMER));
    CHECK(!(cfg.ctl[VMX_EXIT] & VMX_EXIT_SAVE_PREEMPT_TIMER));
    CHECK(!(cfg.ctl[VMX_PIN] & VMX_PIN_VIRTUAL_NMIS));      /* no window to deliver them */
    CHECK(!(cfg.allowed1[VMX_PROC] & VMX_PROC_NMI_WINDOW_EXITING));
    CHECK(cfg.ctl[VMX_PROC2] & VMX_PROC2_ENABLE_EPT);
    CHECK(cfg.ctl[VMX_PROC2] & VMX_PROC2_UNRESTRICTED_GUEST);
    profile(&g, 1, 1);
    CHECK_HAS(out.msg[0], "signature 'KVMKVMKVM', KVM");
    CHECK_HAS(out.all, "nested: physical addresses are 36 bits (no CPUID leaf 0x80000008: 36 "
                       "assumed)");
    CHECK_HAS(out.all, "nested: no VMX-preemption timer: guests run without a time budget, an "
                       "APIC timer or the watchdog");
    CHECK_HAS(out.all, "nested: no NMI-window exiting: virtual NMIs off, an NMI a guest blocks "
                       "waits for its next VM exit");
    CHECK_HAS(out.all, "nested: no APIC virtualization");

    /* vmx=report names why NMI-window exiting is off */
    memset(&out, 0, sizeof(out));
    vmcs_config_explain(&cfg, &g, 1, collect, &out);
    CHECK_HAS(out.all, "off NMI-window exiting");
    CHECK_HAS(out.all, "per guest, not allowed by cpu0");
}

TEST(hidden_signature_recognised_by_the_vmcs_revision)
{
    struct vmx_msrs k = load("kvm-nested-skylake-derived", 0);
    k.ncpuid = 0;                           /* -cpu host,kvm=off,-hypervisor */
    struct vmx_nested nv;
    vmx_nested_detect(&k, &nv);
    CHECK(nv.nested && !nv.hv_bit && nv.kvm_vmcs);
    CHECK_STR(nv.name, "KVM");
    negotiate(&k, 1);
    profile(&k, 1, 1);
    CHECK_HAS(out.msg[0], "the VMCS revision is KVM's (0x11e57ed0), so Keel runs under KVM");
}

TEST(a_core_lacking_what_others_have_is_named)
{
    /* A nested vCPU beside two Bochs CPUs: the features it lacks go off on
     * all, each named once with the CPU that costs it. */
    struct vmx_msrs c[3] = { load("bochs-skylake-x-dump", 0), load("kvm-nested-gcp-recorded", 1),
                             load("bochs-skylake-x-dump", 2) };
    CHECK_EQ(negotiate(c, 3), 3);
    CHECK_HAS(warn.all, "cpu1 lacks 'activate VMX-preemption timer': off on all CPUs");
    CHECK_HAS(warn.all, "cpu1 lacks 'NMI-window exiting': off on all CPUs");
    CHECK_HAS(warn.all, "cpu1 lacks 'virtual-interrupt delivery': off on all CPUs");
    CHECK(!strstr(warn.all, "cpu0 lacks") && !strstr(warn.all, "cpu2 lacks"));
    CHECK(!(cfg.ctl[VMX_PIN] & (VMX_PIN_PREEMPTION_TIMER | VMX_PIN_VIRTUAL_NMIS)));
}

TEST(refusals_say_what_to_change_on_the_host)
{
    struct vmx_msrs k = load("kvm-nested-skylake-derived", 0);
    k.msr[VMXCAP_PROCBASED_CTLS2] &= ~((uint64_t)VMX_PROC2_ENABLE_EPT << 32);    /* ept=0 */
    CHECK_EQ(negotiate(&k, 1), 0);
    profile(&k, 1, 0);
    CHECK_HAS(out.all, "nested: the hypervisor below offers no EPT: on the host, load kvm_intel "
                       "with ept=1");

    struct vmx_msrs l = load("kvm-nested-qemu32-lhv", 0);
    l.cpuid[0] = (struct vmx_cpuid){ 1, 0, 0, 0, 0x80000020u, 0 };
    l.ncpuid = 1;
    CHECK_EQ(negotiate(&l, 1), 0);
    profile(&l, 1, 0);
    CHECK_HAS(out.all, "'host address-space size' is not allowed: this VM's CPU model has no "
                       "long mode; give QEMU a 64-bit model (-cpu host)");

    struct vmx_msrs v = load("kvm-nested-skylake-derived", 0);
    v.vmx = false;                          /* kvm_intel nested=0: no VMX in the VM */
    v.cpuid[0].ecx &= ~0x20u;
    CHECK_EQ(negotiate(&v, 1), 0);
    profile(&v, 1, 0);
    CHECK_HAS(out.all, "nested: the hypervisor below offers no VMX to this VM: on the host, load "
                       "kvm_intel with nested=1");

    struct vmx_msrs b = load("bochs-skylake-x-dump", 0);    /* bare metal: no hints */
    b.vmx = false;
    negotiate(&b, 1);
    profile(&b, 1, 0);
    CHECK_EQ(out.n, 0);
}

TEST(feature_control_left_unlocked_is_enabled_and_locked)
{
    /* Unlocked by the firmware: VMX outside SMX on, locked (as KVM does);
     * inside SMX too where the CPU has SMX; other bits kept. */
    CHECK_EQ(vmx_feature_control_enable(0, false), 0x5);
    CHECK_EQ(vmx_feature_control_enable(0, true), 0x7);
    CHECK_EQ(vmx_feature_control_enable(0x40000, false), 0x40005);
    /* Locked: the firmware's word stands, VMX on or off. */
    CHECK_EQ(vmx_feature_control_enable(0x5, true), 0x5);
    CHECK_EQ(vmx_feature_control_enable(0x1, true), 0x1);
    /* A dump from such a firmware reads as not locked off. */
    struct vmx_msrs m = load("bochs-skylake-x-dump", 0);
    m.feature_control = 0;
    vmx_fixture_finish(&m);
    CHECK(!m.locked_off);
    CHECK_EQ(negotiate(&m, 1), 1);
}
