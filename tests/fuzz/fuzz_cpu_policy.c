// fuzz: vmx/cpuid_policy.c vmx/msr_policy.c
/* libFuzzer harness for what guests are shown of the CPU: the CPUID policy
 * over any host (its leaves a function of the input) and any facts, and
 * the MSR table over a program of reads and writes. Checked:
 *   CPUID - the hidden bits stay hidden whatever the host sets; the
 *   hypervisor bit, TSC-deadline and HTT are there; OSXSAVE, OSPKE,
 *   INVPCID, RDTSCP/RDPID, XSAVES, IBPB follow the facts; the topology is
 *   the guest's; the hypervisor range holds Keel's two leaves and zeros;
 *   XSAVE components stay within what XSETBV allows; leaf 0x15 gives
 *   Linux the TSC rate within its ratio's rounding, without overflowing
 *   its 32-bit arithmetic; leaves above the highest are zero; every leaf
 *   the exit handler answers inline is the host's unchanged.
 *   MSRs - refused rows are refused; a write that succeeds reads back;
 *   one that fails changes nothing; the emulated MTRRs only ever hold
 *   valid types and no reserved bits; read-only rows never change.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -DKEEL_HOST_TEST \
 *       tests/fuzz/fuzz_cpu_policy.c vmx/cpuid_policy.c vmx/msr_policy.c -o fc && ./fc */
#include <stdint.h>
#include <string.h>

#include "arch/x86/msr.h"
#include "vmx/cpuid_policy.h"
#include "vmx/msr_policy.h"

#define FUZZ_NAME "cpu_policy"
#include "fuzz.h"

#define BIT(n) (1u << (n))

static uint64_t host_seed;
static uint32_t host_max;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

/* Any host: each leaf and subleaf some function of the input's seed,
 * biased to all ones and zeros so that whole registers get tried. */
static struct cpuid_regs host(uint32_t leaf, uint32_t sub, void *ctx)
{
    (void)ctx;
    uint64_t a = mix(host_seed ^ ((uint64_t)leaf << 32 | sub)), b = mix(a);
    struct cpuid_regs r = { (uint32_t)a, (uint32_t)(a >> 32), (uint32_t)b, (uint32_t)(b >> 32) };
    switch (host_seed & 3) {
    case 0: r = (struct cpuid_regs){ ~0u, ~0u, ~0u, ~0u }; break;
    case 1: r.eax &= 0xfff; r.ebx &= 0xfff; break;     /* plausible XSAVE sizes */
    default: break;
    }
    if (leaf == 0)
        r.eax = host_max;
    return r;
}

static struct cpuid_regs ask(uint32_t leaf, uint32_t sub, const struct cpuid_facts *f)
{
    return cpuid_policy(leaf, sub, f, host, NULL);
}

static bool zero(struct cpuid_regs r)
{
    return !(r.eax | r.ebx | r.ecx | r.edx);
}

static void check_cpuid(const struct cpuid_facts *f, uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r = ask(leaf, sub, f);
    uint32_t max = f->host_max_basic < 0x16 ? 0x16 : f->host_max_basic;
    if (leaf > max && leaf < 0x40000000)
        ASSERT(zero(r));
    if (leaf >= 0x40000000 && leaf <= 0x4fffffff && leaf != 0x40000000 && leaf != 0x40000010)
        ASSERT(zero(r));
    if (leaf > 0x80000008)
        ASSERT(zero(r));
    if (leaf < 32 && leaf <= max && !(cpuid_policy_leaves(f) >> leaf & 1)) {
        struct cpuid_regs h = host(leaf, sub, NULL);
        ASSERT(!memcmp(&r, &h, sizeof(r)));
    }
    switch (leaf) {
    case 0:
        ASSERT(r.eax == max);
        break;
    case 1:
        ASSERT(!(r.ecx & 0x4c9fc));             /* DTES64 MONITOR DS-CPL VMX SMX EST TM2 SDBG xTPR PDCM DCA */
        ASSERT(!(r.ecx & BIT(10)));
        ASSERT(!(r.edx & 0xe0640000));          /* PSN DS ACPI TM IA64 PBE */
        ASSERT(r.ecx & BIT(31) && r.ecx & BIT(24) && r.edx & BIT(28));
        ASSERT(!(r.ecx & BIT(27)) == !f->cr4_osxsave);
        ASSERT(r.ebx >> 24 == (f->vcpu_index & 0xff));
        break;
    case 5: case 9: case 0xa: case 0x12: case 0x14:
        ASSERT(zero(r));
        break;
    case 6:
        ASSERT(r.eax == BIT(2) && !(r.ebx | r.ecx | r.edx));
        break;
    case 7:
        if (sub == 0) {
            ASSERT(r.eax <= 1);
            ASSERT(!(r.ebx & (BIT(1) | BIT(2) | BIT(12) | BIT(14) | BIT(15) | BIT(22) | BIT(25))));
            ASSERT(!(r.ecx & (BIT(5) | BIT(7) | BIT(13) | 0x3e0000 | BIT(23) | BIT(24) | BIT(29) |
                              BIT(30) | BIT(31))));
            ASSERT(!(r.edx & (BIT(5) | BIT(9) | BIT(11) | BIT(13) | BIT(15) | BIT(18) | BIT(19) |
                              BIT(20) | BIT(22) | BIT(24) | BIT(25) | BIT(26) | BIT(27) | BIT(28) |
                              BIT(30) | BIT(31))));
            if (!f->invpcid_ok)
                ASSERT(!(r.ebx & BIT(10)));
            if (!f->rdtscp_ok)
                ASSERT(!(r.ecx & BIT(22)));
            if (!f->cr4_pke)
                ASSERT(!(r.ecx & BIT(4)));
        } else if (sub > 1) {
            ASSERT(zero(r));
        }
        break;
    case 0xb:
    case 0x1f:
        if (leaf <= max) {
            ASSERT(r.edx == f->vcpu_index);
            if (sub == 1)
                ASSERT(r.ebx == f->vcpu_count);
        }
        break;
    case 0xd: {
        uint64_t allowed = f->xcr0_allowed & ~0x18ull;
        if (sub == 0)
            ASSERT(!(((uint64_t)r.edx << 32 | r.eax) & ~allowed) && r.ebx >= 576 && r.ecx >= 576);
        else if (sub == 1)
            ASSERT(!(r.eax & ~0xfu) && !r.ecx && !r.edx && (f->xsaves_ok || !(r.eax & BIT(3))) &&
                   (r.eax & (BIT(1) | BIT(3)) ? r.ebx >= 576 : !r.ebx));
        else if (sub >= 63 || !(allowed >> sub & 1))
            ASSERT(zero(r));
        break;
    }
    case 0x15:
        if (r.eax) {
            /* Linux: floor(ECX / 1000) * EBX / EAX in unsigned 32 bits */
            uint64_t crystal = r.ecx / 1000, product = crystal * r.ebx;
            ASSERT(r.eax == 1 && r.ebx >= 1 && product <= 0xffffffffull);
            uint64_t want = (f->tsc_hz + 500) / 1000, got = product;
            uint64_t err = got > want ? got - want : want - got;
            ASSERT(err <= r.ebx / 2 + 1);
        } else {
            ASSERT(zero(r) && ((f->tsc_hz + 500) / 1000 == 0 ||
                               (f->tsc_hz + 500) / 1000 > 0xffffffffull));
        }
        break;
    case 0x40000000:
        ASSERT(r.eax == 0x40000010 && r.ebx == 0x6c65654b && r.ecx == r.ebx && r.edx == r.ebx);
        break;
    case 0x80000001:
        ASSERT(!(r.ecx & ~(BIT(0) | BIT(5) | BIT(8))));
        ASSERT(!(r.edx & ~(BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29))));
        if (!f->rdtscp_ok)
            ASSERT(!(r.edx & BIT(27)));
        break;
    case 0x80000007:
        ASSERT(r.edx == BIT(8) && !(r.eax | r.ebx | r.ecx));
        break;
    case 0x80000008:
        ASSERT(!(r.ebx & ~(BIT(9) | BIT(12))) && !(r.ecx | r.edx));
        if (!f->ibpb_ok)
            ASSERT(!(r.ebx & BIT(12)));
        break;
    }
}

static void fuzz_cpuid(struct input *in)
{
    host_seed = take(in, 8);
    host_max = (uint32_t)take(in, 1) & 0x3f;
    uint32_t flags = (uint32_t)take(in, 1);
    struct cpuid_facts f = {
        .host_max_basic = host_max,
        .tsc_hz = take(in, 1) & 1 ? take(in, 8) : take(in, 5),
        .rdtscp_ok = flags & 1, .invpcid_ok = flags & 2, .xsaves_ok = flags & 4,
        .ibpb_ok = flags & 8, .cr4_osxsave = flags & 16, .cr4_pke = flags & 32,
        .xcr0_allowed = take(in, 1) & 1 ? take(in, 8) : 0x2ff,
        .vcpu_count = 1 + (uint32_t)take(in, 1) % 64,
    };
    f.vcpu_index = (uint32_t)take(in, 1) % f.vcpu_count;
    f.xcr0 = take(in, 8);
    static const uint32_t sweep[] = {
        0, 1, 2, 4, 5, 6, 7, 9, 0xa, 0xb, 0xd, 0x12, 0x14, 0x15, 0x16, 0x18, 0x1f, 0x20,
        0x21, 0x40000000, 0x40000001, 0x40000010, 0x40000100, 0x4fffffff, 0x80000000,
        0x80000001, 0x80000007, 0x80000008, 0x80000009, 0xc0000000,
    };
    for (unsigned i = 0; i < sizeof(sweep) / sizeof(sweep[0]); i++)
        for (uint32_t sub = 0; sub < 3; sub++)
            check_cpuid(&f, sweep[i], sub);
    for (uint32_t sub = 0; sub < 64; sub++)
        check_cpuid(&f, 0xd, sub);
    while (in->n >= 8)
        check_cpuid(&f, (uint32_t)take(in, 4), (uint32_t)take(in, 4));
}

/* ---------------------------------------------------------------- MSRs */

static void check_state(const struct guest_msrs *s)
{
    if (!s->ready)
        return;
    ASSERT(!(s->mtrr_def_type & ~0xcffull) && mtrr_type_valid(s->mtrr_def_type & 0xff));
    for (unsigned i = 0; i < GUEST_MTRR_FIXED; i++)
        for (int b = 0; b < 8; b++)
            ASSERT(mtrr_type_valid(s->mtrr_fixed[i] >> (8 * b) & 0xff));
}

/* An MSR number: mostly the table's rows and their neighbours. */
static uint32_t pick_msr(struct input *in)
{
    uint32_t how = (uint32_t)take(in, 1);
    if (how < 200) {
        const struct guest_msr_info *m = &guest_msr_table[take(in, 1) % guest_msr_count];
        return m->first + (uint32_t)take(in, 1) % (m->last - m->first + 3) - 1;
    }
    return (uint32_t)take(in, 4);
}

static uint64_t pick_value(struct input *in)
{
    static const uint8_t types[8] = { 0, 1, 4, 5, 6, 2, 3, 7 };
    uint32_t how = (uint32_t)take(in, 1);
    if (how < 128) {        /* type bytes, mostly valid */
        uint64_t v = 0;
        for (int b = 0; b < 8; b++)
            v |= (uint64_t)types[take(in, 1) % (how < 100 ? 5 : 8)] << (8 * b);
        return v;
    }
    if (how < 200)
        return take(in, 2);
    return take(in, 8);
}

static void fuzz_msrs(struct input *in)
{
    struct guest_msrs s = { 0 };
    uint32_t flags = (uint32_t)take(in, 1);
    struct guest_msr_facts f = { .xsaves = flags & 1, .arch_cap = flags & 2,
                                 .host_arch_cap = take(in, 8) };
    while (in->n) {
        uint32_t msr = pick_msr(in);
        bool write = take(in, 1) & 1;
        uint64_t val = pick_value(in), got = 0, before = 0;
        const struct guest_msr_info *m = guest_msr_find(msr);
        enum guest_msr_result rb = guest_msr_read(&s, &f, msr, &before);
        if (!m || m->kind == GMSR_ELSEWHERE)
            ASSERT(rb == GMSR_NOT_HERE);
        else if (m->kind == GMSR_GP)
            ASSERT(rb == GMSR_REFUSE);
        if (!write)
            continue;
        struct guest_msrs old = s;
        enum guest_msr_result w = guest_msr_write(&s, &f, msr, val);
        check_state(&s);
        if (!m || m->kind == GMSR_ELSEWHERE) {
            ASSERT(w == GMSR_NOT_HERE);
            continue;
        }
        if (w != GMSR_DONE && old.ready)
            ASSERT(!memcmp(&old, &s, sizeof(s)));          /* a refused write changes nothing */
        if (m->kind == GMSR_GP)
            ASSERT(w == GMSR_REFUSE);
        enum guest_msr_result ra = guest_msr_read(&s, &f, msr, &got);
        if (w == GMSR_DONE && ra == GMSR_DONE) {
            if (m->kind == GMSR_MTRR_DEF || m->kind == GMSR_MTRR_FIX || m->kind == GMSR_ZERO)
                ASSERT(got == val);
            else    /* KEEP, IGNORED: the value stays */
                ASSERT(got == m->value && rb == GMSR_DONE && before == got);
        }
        if ((m->kind == GMSR_FIXED || m->kind == GMSR_HOST) && rb == GMSR_DONE)
            ASSERT(w == GMSR_INVALID && ra == GMSR_DONE && got == before);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    if (take(&in, 1) & 1)
        fuzz_msrs(&in);
    else
        fuzz_cpuid(&in);
    return 0;
}
