// unit: vmx/cpuid_policy.c
/* The CPUID policy against recorded hosts: Bochs' corei7_skylake_x (the
 * emulator the integration tests run in; its leaves as bochs/cpu/cpudb/
 * intel/corei7_skylake-x.cc defines them) and a host that sets every bit
 * of every leaf (the allow-lists must let through exactly what they
 * list). */
#include "vmx/cpuid_policy.h"
#include "unit.h"

#define BIT(n) (1u << (n))
#define ANY 0xffffffffu
/* GUEST_XCR0_ALLOWED (vmx/guest.h): x87, SSE, AVX, MPX, AVX-512, PKRU */
#define XCR0_ALLOWED 0x2ffull

struct fixture_leaf {
    uint32_t leaf, sub;
    struct cpuid_regs r;
};

static const struct fixture_leaf bochs_skx[] = {
    { 0, ANY, { 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 } },
    { 1, ANY, { 0x00050654, 0x00010800, 0x77faf3bf, 0xbfebfbff } },
    { 2, ANY, { 0x76036301, 0x00f0b5ff, 0, 0x00c30000 } },
    { 4, 0, { 0x1c004121, 0x01c0003f, 0x3f, 0 } },
    { 4, 1, { 0x1c004122, 0x01c0003f, 0x3f, 0 } },
    { 4, 2, { 0x1c004143, 0x03c0003f, 0x3ff, 0 } },
    { 4, 3, { 0x1c03c163, 0x0280003f, 0x2fff, 4 } },
    { 5, ANY, { 64, 64, 3, 0x2020 } },
    { 6, ANY, { 0x75, 2, 9, 0 } },
    { 7, 0, { 0, 0xd19f27eb, 0, 0 } },
    { 0xa, ANY, { 0x07300404, 0, 0, 0x603 } },
    { 0xb, 0, { 1, 2, 0x100, 0 } },
    { 0xb, 1, { 0, 0, 0x201, 0 } },
    /* sub-leaves 0 and 1 as Bochs 2.7 answers them with XCR0 = 0xe7: its
     * sub-leaf 1 EBX is the standard size, not the compacted one */
    { 0xd, 0, { 0xe7, 0xa80, 0xa80, 0 } },
    { 0xd, 1, { 0xf, 0xa80, 0, 0 } },
    { 0xd, 2, { 256, 576, 0, 0 } },
    { 0xd, 5, { 64, 1088, 0, 0 } },
    { 0xd, 6, { 512, 1152, 0, 0 } },
    { 0xd, 7, { 1024, 1664, 0, 0 } },
    { 0x15, ANY, { 2, 0x124, 0, 0 } },
    { 0x16, ANY, { 0xdac, 0xfa0, 0x64, 0 } },
    { 0x80000000, ANY, { 0x80000008, 0, 0, 0 } },
    { 0x80000001, ANY, { 0, 0, 0x121, 0x2c100800 } },
    { 0x80000007, ANY, { 0, 0, 0, 0x100 } },
    { 0x80000008, ANY, { 0x3028, 0, 0, 0 } },
    { 0, 0, { 0, 0, 0, 0 } },
};

static struct cpuid_regs from_fixture(uint32_t leaf, uint32_t sub, void *ctx)
{
    const struct fixture_leaf *t = ctx;
    for (; t->leaf || t->sub || t->r.eax; t++)
        if (t->leaf == leaf && (t->sub == ANY || t->sub == sub))
            return t->r;
    return (struct cpuid_regs){ 0, 0, 0, 0 };
}

static uint32_t everything_max = 0x20;

static struct cpuid_regs everything(uint32_t leaf, uint32_t sub, void *ctx)
{
    (void)sub;
    (void)ctx;
    if (leaf == 0)
        return (struct cpuid_regs){ everything_max, 0x756e6547, 0x6c65746e, 0x49656e69 };
    return (struct cpuid_regs){ ~0u, ~0u, ~0u, ~0u };
}

static struct cpuid_facts facts(uint32_t host_max)
{
    return (struct cpuid_facts){
        .host_max_basic = host_max, .tsc_hz = 99998700, .xcr0_allowed = XCR0_ALLOWED,
        .vcpu_count = 1, .vcpu_index = 0,
    };
}

static struct cpuid_regs bochs(uint32_t leaf, uint32_t sub, const struct cpuid_facts *f)
{
    return cpuid_policy(leaf, sub, f, from_fixture, (void *)bochs_skx);
}

static struct cpuid_regs all(uint32_t leaf, uint32_t sub, const struct cpuid_facts *f)
{
    return cpuid_policy(leaf, sub, f, everything, NULL);
}

#define CHECK_REGS(r, a, b, c, d)                                           \
    do {                                                                    \
        struct cpuid_regs r_ = (r);                                         \
        CHECK_EQ(r_.eax, a);                                                \
        CHECK_EQ(r_.ebx, b);                                                \
        CHECK_EQ(r_.ecx, c);                                                \
        CHECK_EQ(r_.edx, d);                                                \
    } while (0)

/* What Linux 6.1's native_calibrate_tsc computes from leaf 0x15 (kHz),
 * in its 32-bit unsigned arithmetic; 0 if it would not use the leaf. */
static unsigned linux_tsc_khz(struct cpuid_regs r)
{
    unsigned den = r.eax, num = r.ebx, crystal_khz = r.ecx / 1000;
    if (!num || !den || !crystal_khz)
        return 0;
    return crystal_khz * num / den;
}

/* Linux's lapic_timer_period source: crystal_khz * 1000 / HZ; Keel's APIC
 * timer counts at the TSC rate, so the crystal is the TSC where it fits. */
TEST(tsc_leaves_give_keels_frequency)
{
    struct cpuid_facts f = facts(0x16);
    struct cpuid_regs r = bochs(0x15, 0, &f);
    CHECK_REGS(r, 1, 1, 99999000, 0);
    CHECK_EQ(linux_tsc_khz(r), 99999);
    CHECK_REGS(bochs(0x16, 0, &f), 100, 100, 0, 0);            /* not Bochs' 3500 */
    CHECK_REGS(bochs(0x40000010, 0, &f), 99999, 99999, 0, 0);
}

TEST(tsc_leaf_for_any_rate)
{
    static const uint64_t rates[] = {
        1000, 33333333, 100000000, 999999499, 2100000000, 3500000000ull, 4294967295ull,
        4294967296ull, 4700123456ull, 5200000000ull, 9999999999ull, 40000000000ull,
    };
    for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        struct cpuid_regs r = cpuid_tsc_leaf(rates[i]);
        uint64_t want = (rates[i] + 500) / 1000;
        uint64_t got = linux_tsc_khz(r);
        uint64_t err = got > want ? got - want : want - got;
        if (err > r.ebx / 2 + 1)
            UNIT_FAIL("%llu Hz: Linux would read %llu kHz (ratio %u)",
                      (unsigned long long)rates[i], (unsigned long long)got, r.ebx);
        if (rates[i] < 4294967000ull)
            CHECK_EQ(r.ebx, 1);         /* the crystal is the TSC: the APIC period is right */
    }
    CHECK_REGS(cpuid_tsc_leaf(0), 0, 0, 0, 0);          /* unknown: Linux calibrates */
    CHECK_REGS(cpuid_tsc_leaf(~0ull), 0, 0, 0, 0);
}

TEST(leaf1_hides_what_keel_does_not_virtualize)
{
    struct cpuid_facts f = facts(0x20);
    struct cpuid_regs r = all(1, 0, &f);
    /* DTES64 MONITOR DS-CPL VMX SMX EST TM2 CNXT-ID SDBG xTPR PDCM DCA */
    static const int ecx_hidden[] = { 2, 3, 4, 5, 6, 7, 8, 10, 11, 14, 15, 18 };
    for (unsigned i = 0; i < sizeof(ecx_hidden) / sizeof(ecx_hidden[0]); i++)
        if (r.ecx & BIT(ecx_hidden[i]))
            UNIT_FAIL("CPUID.1:ECX[%d] shown", ecx_hidden[i]);
    /* PSN DS ACPI TM IA64 PBE */
    static const int edx_hidden[] = { 18, 21, 22, 29, 30, 31 };
    for (unsigned i = 0; i < sizeof(edx_hidden) / sizeof(edx_hidden[0]); i++)
        if (r.edx & BIT(edx_hidden[i]))
            UNIT_FAIL("CPUID.1:EDX[%d] shown", edx_hidden[i]);
    CHECK(r.ecx & BIT(31));             /* hypervisor */
    CHECK(r.ecx & BIT(24));             /* TSC deadline */
    CHECK(!(r.ecx & BIT(27)));          /* OSXSAVE: CR4 says no */
    CHECK(r.edx & BIT(28));             /* HTT */
    CHECK(r.edx & BIT(7) && r.edx & BIT(14));   /* MCE, MCA: IA32_MCG_CAP with no banks */
    f.cr4_osxsave = true;
    CHECK(all(1, 0, &f).ecx & BIT(27));
    /* Bochs: the same signature, VMX gone, MONITOR gone */
    struct cpuid_regs b = bochs(1, 0, &f);
    CHECK_EQ(b.eax, 0x00050654);
    CHECK_EQ(b.ecx & (BIT(3) | BIT(5) | BIT(15)), 0);
    CHECK(b.ecx & BIT(21));             /* x2APIC, as the host */
}

TEST(topology_is_the_guests)
{
    struct cpuid_facts f = facts(0x16);
    f.vcpu_count = 4;
    f.vcpu_index = 2;
    struct cpuid_regs r = bochs(1, 0, &f);
    CHECK_EQ(r.ebx >> 24, 2);
    CHECK_EQ(r.ebx >> 16 & 0xff, 4);
    CHECK_EQ(r.ebx & 0xffff, 0x0800);
    CHECK_REGS(bochs(0xb, 0, &f), 0, 1, 0x100, 2);
    CHECK_REGS(bochs(0xb, 1, &f), 2, 4, 0x201, 2);
    CHECK_REGS(bochs(0xb, 2, &f), 0, 0, 2, 2);
    CHECK_EQ(bochs(4, 0, &f).eax, 0x121 | 3u << 26);
    CHECK_EQ(bochs(4, 3, &f).eax >> 14, 3u << 12);
    CHECK_REGS(bochs(4, 4, &f), 0, 0, 0, 0);
    /* 0x1F only below the guest's highest leaf */
    CHECK_REGS(bochs(0x1f, 1, &f), 0, 0, 0, 0);
    f.host_max_basic = 0x1f;
    CHECK_REGS(all(0x1f, 1, &f), 2, 4, 0x201, 2);
}

TEST(leaf7_allow_list)
{
    struct cpuid_facts f = facts(0x20);
    struct cpuid_regs r = all(7, 0, &f);
    CHECK_EQ(r.eax, 1);
    /* TSC_ADJUST SGX INVPCID (not enabled) RDT-M MPX RDT-A PT; HLE and
     * RTM too: this host sets RTM_ALWAYS_ABORT */
    static const int ebx_hidden[] = { 1, 2, 4, 10, 11, 12, 14, 15, 22, 25 };
    for (unsigned i = 0; i < sizeof(ebx_hidden) / sizeof(ebx_hidden[0]); i++)
        if (r.ebx & BIT(ebx_hidden[i]))
            UNIT_FAIL("CPUID.7:EBX[%d] shown", ebx_hidden[i]);
    /* OSPKE (CR4 says no) WAITPKG CET_SS TME MAWAU RDPID KL BUS_LOCK ENQCMD SGX_LC PKS */
    static const int ecx_hidden[] = { 4, 5, 7, 13, 17, 22, 23, 24, 29, 30, 31 };
    for (unsigned i = 0; i < sizeof(ecx_hidden) / sizeof(ecx_hidden[0]); i++)
        if (r.ecx & BIT(ecx_hidden[i]))
            UNIT_FAIL("CPUID.7:ECX[%d] shown", ecx_hidden[i]);
    CHECK_EQ(r.edx, BIT(2) | BIT(3) | BIT(4) | BIT(8) | BIT(10) | BIT(14) | BIT(16) | BIT(23) |
                        BIT(29));
    CHECK(r.ebx & BIT(0) && r.ebx & BIT(16) && r.ecx & BIT(3) && r.ecx & BIT(16));
    f.invpcid_ok = f.rdtscp_ok = f.cr4_pke = true;
    r = all(7, 0, &f);
    CHECK(r.ebx & BIT(10) && r.ecx & BIT(22) && r.ecx & BIT(4));
    CHECK_REGS(all(7, 1, &f), BIT(4) | BIT(5) | BIT(10) | BIT(11) | BIT(12), 0, 0, 0);
    CHECK_REGS(all(7, 2, &f), 0, 0, 0, 0);
    /* Bochs: the same less TSC_ADJUST (bit 1) */
    CHECK_REGS(bochs(7, 0, &f), 0, 0xd19f27eb & ~BIT(1), 0, 0);
}

TEST(leaves_with_nothing_behind_them_are_zero)
{
    struct cpuid_facts f = facts(0x20);
    static const uint32_t leaves[] = { 3, 5, 8, 9, 0xa, 0xc, 0xe, 0xf, 0x10, 0x11, 0x12, 0x13,
                                       0x14, 0x17, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x20 };
    for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
        struct cpuid_regs r = all(leaves[i], 0, &f);
        if (r.eax | r.ebx | r.ecx | r.edx)
            UNIT_FAIL("leaf 0x%x not zero", leaves[i]);
    }
    CHECK_REGS(all(6, 0, &f), BIT(2), 0, 0, 0);         /* ARAT only */
    CHECK_REGS(bochs(5, 0, &f), 0, 0, 0, 0);            /* MWAIT leaf */
    CHECK_REGS(bochs(0xa, 0, &f), 0, 0, 0, 0);          /* perfmon version 0 */
}

TEST(highest_basic_leaf)
{
    struct cpuid_facts f = facts(0xd);                  /* Haswell: no 0x15 */
    CHECK_EQ(all(0, 0, &f).eax, 0x16);
    CHECK_EQ(all(0, 0, &f).ebx, 0x756e6547);
    CHECK(cpuid_policy_leaves(&f) & BIT(0));            /* leaf 0 is the policy's */
    CHECK_EQ(linux_tsc_khz(all(0x15, 0, &f)), 99999);
    CHECK_REGS(all(0x17, 0, &f), 0, 0, 0, 0);
    f = facts(0x16);
    CHECK(!(cpuid_policy_leaves(&f) & BIT(0)));         /* the host's, inline */
    CHECK(!(cpuid_policy_leaves(&f) & BIT(2)));
    CHECK(cpuid_policy_leaves(&f) & BIT(0x18));         /* above the host's highest */
    CHECK_REGS(bochs(0x18, 0, &f), 0, 0, 0, 0);
    f = facts(0x20);
    CHECK_EQ(all(0, 0, &f).eax, 0x20);
    CHECK(!(cpuid_policy_leaves(&f) & BIT(0x18)));
    CHECK_REGS(all(0x21, 0, &f), 0, 0, 0, 0);
}

/* Every leaf the exit handler answers with the host's CPUID alone must
 * be one the policy leaves as the host says. */
TEST(inline_leaves_agree_with_the_policy)
{
    static const uint32_t maxes[] = { 0xd, 0x14, 0x16, 0x18, 0x1f, 0x20, 0x23 };
    for (unsigned m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
        struct cpuid_facts f = facts(maxes[m]);
        everything_max = maxes[m];
        uint32_t mask = cpuid_policy_leaves(&f);
        for (uint32_t leaf = 0; leaf < 32; leaf++) {
            if (mask >> leaf & 1)
                continue;
            struct cpuid_regs p = all(leaf, 0, &f), h = everything(leaf, 0, NULL);
            if (memcmp(&p, &h, sizeof(p)))
                UNIT_FAIL("host max 0x%x: leaf 0x%x inline but changed", maxes[m], leaf);
        }
    }
    everything_max = 0x20;
}

TEST(hypervisor_leaves_are_keels_alone)
{
    struct cpuid_facts f = facts(0x20);
    CHECK_REGS(all(0x40000000, 0, &f), 0x40000010, 0x6c65654b, 0x6c65654b, 0x6c65654b);
    char sig[13] = { 0 };
    struct cpuid_regs r = all(0x40000000, 0, &f);
    memcpy(sig, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    CHECK_STR(sig, "KeelKeelKeel");
    /* KVM's base under Hyper-V is 0x40000100: a host hypervisor's leaves
     * must not reach the guest, or Linux would take Keel for it. */
    static const uint32_t leaves[] = { 0x40000001, 0x4000000f, 0x40000011, 0x40000100,
                                       0x40000101, 0x4000ff00, 0x4fffffff };
    for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
        CHECK_REGS(all(leaves[i], 0, &f), 0, 0, 0, 0);
}

TEST(extended_leaves)
{
    struct cpuid_facts f = facts(0x20);
    CHECK_EQ(all(0x80000000, 0, &f).eax, 0x80000008);
    struct cpuid_regs r = all(0x80000001, 0, &f);
    CHECK_EQ(r.ecx, BIT(0) | BIT(5) | BIT(8));
    CHECK_EQ(r.edx, BIT(11) | BIT(20) | BIT(26) | BIT(29));     /* no RDTSCP */
    CHECK_REGS(bochs(0x80000001, 0, &f), 0, 0, 0x121, 0x24100800);
    f.rdtscp_ok = true;
    CHECK(all(0x80000001, 0, &f).edx & BIT(27));
    CHECK_REGS(all(0x80000007, 0, &f), 0, 0, 0, BIT(8));        /* invariant TSC only */
    CHECK_REGS(bochs(0x80000007, 0, &f), 0, 0, 0, BIT(8));
    CHECK_REGS(all(0x80000008, 0, &f), 0xffff, BIT(9), 0, 0);
    CHECK_REGS(bochs(0x80000008, 0, &f), 0x3028, 0, 0, 0);
    f.ibpb_ok = true;
    CHECK_EQ(all(0x80000008, 0, &f).ebx, BIT(9) | BIT(12));
    CHECK_REGS(bochs(0x80000001, 0, &f), 0, 0, 0x121, 0x2c100800);
    CHECK_REGS(all(0x80000009, 0, &f), 0, 0, 0, 0);
    CHECK_REGS(all(0x8000001f, 0, &f), 0, 0, 0, 0);
    CHECK_REGS(all(0xc0000000, 0, &f), 0, 0, 0, 0);
    CHECK_REGS(all(0x50000000, 0, &f), 0, 0, 0, 0);
}

TEST(xsave_only_what_xsetbv_allows)
{
    struct cpuid_facts f = facts(0x16);
    f.xcr0 = 7;
    /* Bochs: x87 SSE AVX and AVX-512's three; the largest area as it says */
    CHECK_REGS(bochs(0xd, 0, &f), 0xe7, 0x340, 0xa80, 0);
    CHECK_REGS(bochs(0xd, 1, &f), 7, 0x340, 0, 0);      /* XSAVES: the VMCS does not enable it */
    f.xsaves_ok = true;
    CHECK_REGS(bochs(0xd, 1, &f), 0xf, 0x340, 0, 0);
    CHECK_REGS(bochs(0xd, 2, &f), 256, 576, 0, 0);
    CHECK_REGS(bochs(0xd, 7, &f), 1024, 1664, 0, 0);
    /* A host with everything: MPX, AMX, supervisor states all gone */
    f = facts(0x20);
    f.xcr0 = 1;
    struct cpuid_regs r = all(0xd, 0, &f);
    CHECK_EQ(r.eax, 0x2e7);
    CHECK_EQ(r.edx, 0);
    CHECK_EQ(r.ebx, 576);               /* x87 alone: the legacy area and the header */
    CHECK_EQ(r.ecx, 0xffffffff);        /* sizes as the (absurd) host gives them, clamped */
    CHECK_REGS(all(0xd, 1, &f), 7, 576, 0, 0);
    CHECK_REGS(all(0xd, 3, &f), 0, 0, 0, 0);            /* BNDREGS */
    CHECK_REGS(all(0xd, 8, &f), 0, 0, 0, 0);            /* PT (supervisor) */
    CHECK_REGS(all(0xd, 9, &f), ~0u, ~0u, BIT(1), 0);   /* PKRU: no supervisor, no XFD bit */
    CHECK_REGS(all(0xd, 17, &f), 0, 0, 0, 0);           /* AMX tile config */
    CHECK_REGS(all(0xd, 18, &f), 0, 0, 0, 0);
    CHECK_REGS(all(0xd, 63, &f), 0, 0, 0, 0);
}

/* What Linux 6.1's fpu__init_system_xstate checks (paranoid_xstate_size_valid):
 * the compacted size, CPUID.(0DH,1):EBX, must be 576 plus each enabled
 * component's size (aligned where its ECX[1] says); the standard one,
 * CPUID.(0DH,0):EBX, the end of the last component. */
static uint32_t linux_compacted_size(const struct cpuid_facts *f,
                                     struct cpuid_regs (*get)(uint32_t, uint32_t,
                                                              const struct cpuid_facts *))
{
    uint32_t size = 576;
    for (uint32_t i = 2; i < 63; i++) {
        if (!(f->xcr0 >> i & 1))
            continue;
        struct cpuid_regs c = get(0xd, i, f);
        if (c.ecx & 2)
            size = (size + 63) & ~63u;
        size += c.eax;
    }
    return size;
}

TEST(xsave_sizes_for_the_guests_xcr0)
{
    struct cpuid_facts f = facts(0x16);
    f.xsaves_ok = true;
    f.xcr0 = 0xe7;                      /* what Linux enables on Bochs */
    CHECK_REGS(bochs(0xd, 0, &f), 0xe7, 0xa80, 0xa80, 0);
    CHECK_REGS(bochs(0xd, 1, &f), 0xf, 2432, 0, 0);     /* not Bochs' 0xa80 */
    CHECK_EQ(bochs(0xd, 1, &f).ebx, linux_compacted_size(&f, bochs));
    f.xcr0 = 0x27;                      /* opmask alone of AVX-512: ends at 1088 + 64 */
    CHECK_EQ(bochs(0xd, 0, &f).ebx, 1152);
    CHECK_EQ(bochs(0xd, 1, &f).ebx, 896);
    f.xcr0 = 3;
    CHECK_EQ(bochs(0xd, 0, &f).ebx, 576);
    CHECK_EQ(bochs(0xd, 1, &f).ebx, 576);
    f.xsaves_ok = false;                /* XSAVEC alone has the compacted form too */
    CHECK_REGS(bochs(0xd, 1, &f), 7, 576, 0, 0);
}

/* A host whose components need 64-byte alignment in the compacted form. */
static const struct fixture_leaf aligned_host[] = {
    { 0xd, 0, { 0x227, 0, 0, 0 } },
    { 0xd, 1, { 0xf, 0, 0, 0 } },
    { 0xd, 2, { 200, 576, 0, 0 } },     /* not a multiple of 64 */
    { 0xd, 5, { 64, 1088, 2, 0 } },     /* aligned */
    { 0xd, 9, { 8, 2688, 2, 0 } },
    { 0, 0, { 0, 0, 0, 0 } },
};

static struct cpuid_regs aligned(uint32_t leaf, uint32_t sub, const struct cpuid_facts *f)
{
    return cpuid_policy(leaf, sub, f, from_fixture, (void *)aligned_host);
}

TEST(xsave_compacted_size_aligns)
{
    struct cpuid_facts f = facts(0x16);
    f.xsaves_ok = true;
    f.xcr0 = 0x227;
    /* 576 + 200 = 776, aligned to 832, + 64 = 896, aligned, + 8 */
    CHECK_REGS(aligned(0xd, 1, &f), 0xf, 904, 0, 0);
    CHECK_EQ(aligned(0xd, 1, &f).ebx, linux_compacted_size(&f, aligned));
    CHECK_REGS(aligned(0xd, 0, &f), 0x227, 2696, 2696, 0);
    CHECK_REGS(aligned(0xd, 5, &f), 64, 1088, 2, 0);
    f.xcr0 = 0x207;
    CHECK_EQ(aligned(0xd, 1, &f).ebx, 776 + 56 + 8);
}
