/* The CPUID policy (cpuid_policy.h): pure. Feature registers are
 * allow-lists: a bit the host sets reaches the guest only if it is listed
 * here, so a CPU newer than Keel shows nothing Keel has not thought about.
 * Bit names as in the SDM's CPUID description ("Feature Information",
 * "Structured Extended Feature Flags Enumeration Leaf"). */
#include "vmx/cpuid_policy.h"

#define BIT(n) (1u << (n))

/* CPUID.01H:ECX and EDX. Left out: DTES64, MONITOR (MWAIT exits), DS-CPL,
 * VMX (no nested VMX), SMX, EST, TM2, CNXT-ID, SDBG, xTPR, PDCM (no
 * IA32_PERF_CAPABILITIES), DCA; PSN, DS, ACPI (thermal MSRs), TM, IA64,
 * PBE: nothing behind them is virtualized. */
#define L1_ECX_ALLOWED (BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | BIT(17) | BIT(19) | \
                        BIT(20) | BIT(21) | BIT(22) | BIT(23) | BIT(25) | BIT(26) | BIT(28) | \
                        BIT(29) | BIT(30))
#define L1_ECX_TSC_DEADLINE BIT(24)     /* the virtual APIC has the TSC-deadline mode */
#define L1_ECX_OSXSAVE      BIT(27)     /* mirrors the guest's CR4.OSXSAVE */
#define L1_ECX_HYPERVISOR   BIT(31)
#define L1_EDX_ALLOWED (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | \
                        BIT(8) | BIT(9) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(15) | \
                        BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) | BIT(25) | BIT(26) | \
                        BIT(27))
#define L1_EDX_HTT          BIT(28)
#define L1_EBX_COUNT(n)     ((uint32_t)(n) << 16)
#define L1_EBX_APIC_ID(i)   ((uint32_t)(i) << 24)

#define L4_EAX_TOPOLOGY     0xffffc000u     /* bits 31:14: cores and sharing threads */
#define L6_EAX_ARAT         BIT(2)          /* the APIC timer runs in every C-state */

/* CPUID.(EAX=07H,ECX=0). EBX left out: TSC_ADJUST (the guest's TSC is the
 * host's: no offset to adjust), SGX, RDT-M, MPX (no IA32_BNDCFGS), RDT-A,
 * Intel PT; INVPCID only where the VMCS enables it. ECX left out: WAITPKG
 * (IA32_UMWAIT_CONTROL), CET_SS, TME, MAWAU, KL, BUS_LOCK_DETECT, ENQCMD,
 * SGX_LC, PKS; OSPKE mirrors the guest's CR4.PKE; RDPID only with
 * RDTSCP. EDX left out: UINTR, SRBDS_CTRL, RTM_ALWAYS_ABORT,
 * TSX_FORCE_ABORT, HYBRID, PCONFIG, ARCH_LBR, IBT, AMX (not in the XCR0
 * Keel allows), and IA32_SPEC_CTRL with its companions (IBRS/IBPB, STIBP,
 * L1D_FLUSH, CORE_CAPABILITIES, SSBD): Keel does not switch
 * IA32_SPEC_CTRL between guests. */
#define L7_EBX_ALLOWED (BIT(0) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(9) | \
                        BIT(11) | BIT(13) | BIT(16) | BIT(17) | BIT(18) | BIT(19) | BIT(20) | \
                        BIT(21) | BIT(23) | BIT(24) | BIT(26) | BIT(27) | BIT(28) | BIT(29) | \
                        BIT(30) | BIT(31))
#define L7_EBX_HLE          BIT(4)
#define L7_EBX_INVPCID      BIT(10)
#define L7_EBX_RTM          BIT(11)
#define L7_ECX_ALLOWED (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(6) | BIT(8) | BIT(9) | BIT(10) | \
                        BIT(11) | BIT(12) | BIT(14) | BIT(16) | BIT(25) | BIT(27) | BIT(28))
#define L7_ECX_PKU          BIT(3)
#define L7_ECX_OSPKE        BIT(4)
#define L7_ECX_RDPID        BIT(22)
#define L7_EDX_ALLOWED (BIT(2) | BIT(3) | BIT(4) | BIT(8) | BIT(10) | BIT(14) | BIT(16) | \
                        BIT(23) | BIT(29))
#define L7_EDX_RTM_ALWAYS_ABORT BIT(11)
/* CPUID.(EAX=07H,ECX=1):EAX: AVX-VNNI, AVX512_BF16, fast zero-length
 * MOVSB, short STOSB, short CMPSB/SCASB. */
#define L7_1_EAX_ALLOWED (BIT(4) | BIT(5) | BIT(10) | BIT(11) | BIT(12))

/* CPUID.(EAX=0DH,ECX=1):EAX: XSAVEOPT, XSAVEC, XGETBV with ECX=1; XSAVES
 * where the VMCS enables it (with IA32_XSS 0: no supervisor state). XFD
 * is left out (it serves AMX). */
#define LD_1_EAX_ALLOWED    (BIT(0) | BIT(1) | BIT(2))
#define LD_1_EAX_XSAVEC     BIT(1)
#define LD_1_EAX_XSAVES     BIT(3)
#define XSAVE_LEGACY_AND_HEADER 576u        /* FXSAVE area, then the XSAVE header */
#define XCR0_BND            (3ull << 3)     /* MPX state: MPX is not shown */

/* CPUID.80000001H: LAHF/SAHF, LZCNT, PREFETCHW; SYSCALL, NX, 1-GByte
 * pages, RDTSCP (with IA32_TSC_AUX only), Intel 64. */
#define LX1_ECX_ALLOWED     (BIT(0) | BIT(5) | BIT(8))
#define LX1_EDX_ALLOWED     (BIT(11) | BIT(20) | BIT(26) | BIT(29))
#define LX1_EDX_RDTSCP      BIT(27)
/* CPUID.80000007H:EDX[8], invariant TSC: Keel runs on CPUs with EPT, all
 * of which have one, and itself counts time by the TSC at one calibrated
 * rate; the guest's TSC is the host's. */
#define LX7_EDX_INVARIANT_TSC BIT(8)
/* CPUID.80000008H:EBX: WBNOINVD (exits as WBINVD does); AMD's IBPB bit,
 * which Linux reads on any vendor, where IA32_PRED_CMD writes reach the
 * CPU: IBPB without IA32_SPEC_CTRL (KVM sets it the same way). */
#define LX8_EBX_WBNOINVD    BIT(9)
#define LX8_EBX_AMD_IBPB    BIT(12)

static const struct cpuid_regs zero;

static uint32_t guest_max_basic(const struct cpuid_facts *f)
{
    return f->host_max_basic < CPUID_GUEST_MIN_BASIC ? CPUID_GUEST_MIN_BASIC : f->host_max_basic;
}

uint32_t cpuid_policy_leaves(const struct cpuid_facts *f)
{
    /* The host's own answer: leaf 2 (cache descriptors), 0x18 (address
     * translation), and leaf 0 when its EAX needs no raising. */
    uint32_t own = BIT(2);
    if (f->host_max_basic >= 0x18)
        own |= BIT(0x18);
    if (f->host_max_basic >= CPUID_GUEST_MIN_BASIC)
        own |= BIT(0);
    return ~own;
}

struct cpuid_regs cpuid_tsc_leaf(uint64_t tsc_hz)
{
    /* Above 4.29 GHz the crystal cannot be the TSC itself (ECX has 32
     * bits): the smallest ratio that fits. Linux multiplies in 32 bits:
     * crystal kHz times the ratio stays about the TSC's kHz. */
    uint64_t khz = (tsc_hz + 500) / 1000;
    if (!khz || khz > 0xffffffffull)
        return zero;                        /* none, or past Linux's arithmetic */
    uint64_t ratio = khz * 1000 / 0xffffffffull + 1;
    while ((khz + ratio / 2) / ratio * 1000 > 0xffffffffull)
        ratio++;
    uint64_t crystal_khz = (khz + ratio / 2) / ratio;
    if (crystal_khz * ratio > 0xffffffffull)    /* rounded up past Linux's product */
        crystal_khz--;
    return (struct cpuid_regs){ 1, (uint32_t)ratio, (uint32_t)(crystal_khz * 1000), 0 };
}

static uint32_t tsc_khz(const struct cpuid_facts *f)
{
    uint64_t khz = (f->tsc_hz + 500) / 1000;
    return khz > 0xffffffffull ? 0xffffffffu : (uint32_t)khz;
}

static uint32_t tsc_mhz(const struct cpuid_facts *f)
{
    uint64_t mhz = (f->tsc_hz + 500000) / 1000000;
    return mhz > 0xffff ? 0xffff : (uint32_t)mhz;
}

/* Leaf 1: the host's signature, the guest's topology and feature set. */
static struct cpuid_regs leaf1(struct cpuid_regs r, const struct cpuid_facts *f)
{
    r.ebx = (r.ebx & 0xffff) | L1_EBX_COUNT(f->vcpu_count) | L1_EBX_APIC_ID(f->vcpu_index);
    r.ecx = (r.ecx & L1_ECX_ALLOWED) | L1_ECX_TSC_DEADLINE | L1_ECX_HYPERVISOR |
            (f->cr4_osxsave ? L1_ECX_OSXSAVE : 0);
    r.edx = (r.edx & L1_EDX_ALLOWED) | L1_EDX_HTT;
    return r;
}

static struct cpuid_regs leaf7(struct cpuid_regs r, uint32_t sub, const struct cpuid_facts *f)
{
    if (sub == 1)
        return (struct cpuid_regs){ r.eax & L7_1_EAX_ALLOWED, 0, 0, 0 };
    if (sub != 0)
        return zero;
    uint32_t ebx = r.ebx & L7_EBX_ALLOWED, ecx = r.ecx & L7_ECX_ALLOWED;
    if (f->invpcid_ok)
        ebx |= r.ebx & L7_EBX_INVPCID;
    if (r.edx & L7_EDX_RTM_ALWAYS_ABORT)        /* transactions always abort: show none */
        ebx &= ~(L7_EBX_HLE | L7_EBX_RTM);
    if (f->rdtscp_ok)
        ecx |= r.ecx & L7_ECX_RDPID;
    if ((ecx & L7_ECX_PKU) && f->cr4_pke)
        ecx |= L7_ECX_OSPKE;
    return (struct cpuid_regs){ r.eax ? 1 : 0, ebx, ecx, r.edx & L7_EDX_ALLOWED };
}

/* The XSAVE area for the state components in mask, from the host's
 * sub-leaves (EAX size, EBX offset, ECX[1] aligned to 64 bytes in the
 * compacted form): the standard form ends where its last component does;
 * the compacted one puts them one after the other (SDM "Compacted Form of
 * XSAVE Area"). KVM's xstate_required_size. */
#define LD_N_ECX_ALIGN64    BIT(1)

static uint32_t xsave_size(uint64_t mask, bool compacted, cpuid_host_fn host, void *ctx)
{
    uint64_t size = XSAVE_LEGACY_AND_HEADER;
    for (uint32_t i = 2; i < 63; i++) {
        if (!(mask >> i & 1))
            continue;
        struct cpuid_regs c = host(0xd, i, ctx);
        if (!compacted) {
            if ((uint64_t)c.ebx + c.eax > size)
                size = (uint64_t)c.ebx + c.eax;
            continue;
        }
        if (c.ecx & LD_N_ECX_ALIGN64)
            size = (size + 63) & ~63ull;
        size += c.eax;
    }
    return size > 0xffffffffu ? 0xffffffffu : (uint32_t)size;
}

/* Leaf 0DH: only the state components a guest may enable (f->xcr0_allowed
 * is Keel's GUEST_XCR0_ALLOWED), sized by the host; the sizes for what is
 * enabled computed for the guest's XCR0 (IA32_XSS is always 0), not taken
 * from the host's answer: an emulator's may disagree with its own layout
 * (Bochs 2.7 gives the standard size in sub-leaf 1), and Linux checks it
 * against the sum of the components (fpu__init_system_xstate). */
static struct cpuid_regs leaf_xsave(struct cpuid_regs r, uint32_t sub, const struct cpuid_facts *f,
                                    cpuid_host_fn host, void *ctx)
{
    struct cpuid_regs h0 = sub == 0 ? r : host(0xd, 0, ctx);
    uint64_t comps = ((uint64_t)h0.edx << 32 | h0.eax) & f->xcr0_allowed & ~XCR0_BND;
    uint64_t xcr0 = f->xcr0 & ((uint64_t)h0.edx << 32 | h0.eax) & f->xcr0_allowed;
    if (sub == 0) {
        /* EBX: the standard area for what XCR0 enables now (all of it,
         * should the guest have enabled MPX unannounced); ECX: for all
         * the components shown. */
        return (struct cpuid_regs){ (uint32_t)comps, xsave_size(xcr0, false, host, ctx),
                                    xsave_size(comps, false, host, ctx),
                                    (uint32_t)(comps >> 32) };
    }
    if (sub == 1) {
        uint32_t eax = r.eax & (LD_1_EAX_ALLOWED | (f->xsaves_ok ? LD_1_EAX_XSAVES : 0));
        /* EBX: the compacted area for XCR0 | IA32_XSS, where there is a
         * compacted form (XSAVEC or XSAVES); ECX, EDX: IA32_XSS has no
         * component. */
        uint32_t ebx = eax & (LD_1_EAX_XSAVEC | LD_1_EAX_XSAVES) ? xsave_size(xcr0, true, host, ctx) : 0;
        return (struct cpuid_regs){ eax, ebx, 0, 0 };
    }
    if (sub >= 63 || !(comps >> sub & 1))
        return zero;
    /* A user component: its size and offset; ECX only its alignment (no
     * supervisor state, no XFD). */
    return (struct cpuid_regs){ r.eax, r.ebx, r.ecx & LD_N_ECX_ALIGN64, 0 };
}

/* 0BH and 1FH: an SMT level of one thread, a core level of n (SDM "V2
 * Extended Topology Enumeration Leaf"); EDX: the x2APIC ID. */
#define LEVEL_TYPE_SMT  1
#define LEVEL_TYPE_CORE 2

static struct cpuid_regs topology_leaf(uint32_t sub, const struct cpuid_facts *f)
{
    uint32_t n = f->vcpu_count, id = f->vcpu_index, shift = 0;
    while (shift < 31 && (1u << shift) < n)
        shift++;
    if (sub == 0)
        return (struct cpuid_regs){ 0, 1, LEVEL_TYPE_SMT << 8, id };
    if (sub == 1)
        return (struct cpuid_regs){ shift, n, 1 | LEVEL_TYPE_CORE << 8, id };
    return (struct cpuid_regs){ 0, 0, sub & 0xff, id };
}

static struct cpuid_regs basic(uint32_t leaf, uint32_t sub, const struct cpuid_facts *f,
                               cpuid_host_fn host, void *ctx)
{
    switch (leaf) {
    case 0: {
        struct cpuid_regs r = host(0, sub, ctx);
        r.eax = guest_max_basic(f);
        return r;
    }
    case 1:
        return leaf1(host(1, sub, ctx), f);
    case 2:
        return host(2, sub, ctx);
    case 4: {
        /* One core per vCPU, no cache shared between them. */
        struct cpuid_regs r = host(4, sub, ctx);
        if (r.eax & 0x1f)
            r.eax = (r.eax & ~L4_EAX_TOPOLOGY) | (f->vcpu_count - 1) << 26;
        return r;
    }
    case 6:
        return (struct cpuid_regs){ L6_EAX_ARAT, 0, 0, 0 };
    case 7:
        return leaf7(host(7, sub, ctx), sub, f);
    case 0xb:
    case 0x1f:
        return topology_leaf(sub, f);
    case 0xd:
        return leaf_xsave(host(0xd, sub, ctx), sub, f, host, ctx);
    case 0x15:
        return cpuid_tsc_leaf(f->tsc_hz);
    case 0x16:      /* base and maximum MHz: the TSC's; no bus figure */
        return (struct cpuid_regs){ tsc_mhz(f), tsc_mhz(f), 0, 0 };
    case 0x18:
        return leaf <= f->host_max_basic ? host(leaf, sub, ctx) : zero;
    default:
        /* 3 (PSN), 5 (MONITOR/MWAIT), 8, 9 (DCA), 0AH (performance
         * monitoring: version 0), 0CH, 0EH, 0FH and 10H (RDT), 11H, 12H
         * (SGX), 13H, 14H (Intel PT), 17H (SoC vendor), 19H (Key Locker),
         * 1AH (hybrid), 1BH (PCONFIG), 1CH (LBR), 1DH and 1EH (AMX), and
         * every leaf after 1FH: nothing Keel offers. */
        return zero;
    }
}

static struct cpuid_regs extended(uint32_t leaf, uint32_t sub, const struct cpuid_facts *f,
                                  cpuid_host_fn host, void *ctx)
{
    struct cpuid_regs r;
    switch (leaf) {
    case 0x80000000:
        r = host(leaf, 0, ctx);
        r.eax = CPUID_GUEST_MAX_EXT;
        return r;
    case 0x80000001:
        r = host(leaf, 0, ctx);
        r.ecx &= LX1_ECX_ALLOWED;
        r.edx &= LX1_EDX_ALLOWED | (f->rdtscp_ok ? LX1_EDX_RDTSCP : 0);
        return r;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004:    /* the brand string */
    case 0x80000005:
    case 0x80000006:    /* caches */
        return host(leaf, sub, ctx);
    case 0x80000007:
        return (struct cpuid_regs){ 0, 0, 0, LX7_EDX_INVARIANT_TSC };
    case 0x80000008:
        r = host(leaf, 0, ctx);
        return (struct cpuid_regs){ r.eax & 0xffff, (r.ebx & LX8_EBX_WBNOINVD) |
                                    (f->ibpb_ok ? LX8_EBX_AMD_IBPB : 0), 0, 0 };
    default:
        return zero;
    }
}

struct cpuid_regs cpuid_policy(uint32_t leaf, uint32_t sub, const struct cpuid_facts *f,
                               cpuid_host_fn host, void *ctx)
{
    if (leaf < CPUID_HV_BASE)
        return leaf <= guest_max_basic(f) ? basic(leaf, sub, f, host, ctx) : zero;
    if (leaf <= CPUID_HV_LAST) {
        if (leaf == CPUID_HV_BASE)
            return (struct cpuid_regs){ CPUID_HV_TIMING, CPUID_KEEL_SIGNATURE,
                                        CPUID_KEEL_SIGNATURE, CPUID_KEEL_SIGNATURE };
        if (leaf == CPUID_HV_TIMING)    /* the APIC timer counts at the TSC's rate */
            return (struct cpuid_regs){ tsc_khz(f), tsc_khz(f), 0, 0 };
        return zero;
    }
    if (leaf >= 0x80000000 && leaf <= CPUID_GUEST_MAX_EXT)
        return extended(leaf, sub, f, host, ctx);
    return zero;
}
