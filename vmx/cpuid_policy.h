/* What CPUID tells a guest: the host's answer, less what Keel does not
 * virtualize, plus the guest's own topology, the TSC frequency and Keel's
 * hypervisor leaves (docs/guests.md, "What a guest sees"). Pure: the
 * host's leaves come through a function, so that the policy can be tested
 * against recorded CPUs and fuzzed. KVM does the same with
 * kvm_set_cpu_caps (an allow-list per register) and __do_cpuid_func. */
#ifndef KEEL_VMX_CPUID_POLICY_H
#define KEEL_VMX_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"

/* The host's answer to CPUID(leaf, sub). */
typedef struct cpuid_regs (*cpuid_host_fn)(uint32_t leaf, uint32_t sub, void *ctx);

/* What the policy needs besides the host's leaves. */
struct cpuid_facts {
    /* the host, read once (cpuid_facts_host) */
    uint32_t host_max_basic;        /* CPUID.0:EAX */
    uint64_t tsc_hz;                /* Keel's calibrated TSC rate (arch/x86/tsc.c) */
    bool rdtscp_ok;                 /* the VMCS enables RDTSCP (and Keel passes IA32_TSC_AUX) */
    bool invpcid_ok;                /* the VMCS enables INVPCID */
    bool xsaves_ok;                 /* the VMCS enables XSAVES/XRSTORS */
    bool ibpb_ok;                   /* IA32_PRED_CMD writes reach the CPU (vmcs_setup.c) */
    uint64_t xcr0_allowed;          /* GUEST_XCR0_ALLOWED (vmx/guest.h) */
    /* the guest and the vCPU asking */
    uint32_t vcpu_count, vcpu_index;
    bool cr4_osxsave, cr4_pke;      /* the guest's CR4 */
    uint64_t xcr0;                  /* the guest's XCR0: leaf 0DH's sizes (read for that leaf only) */
};

/* The highest basic leaf a guest is told of: the host's, but at least
 * 0x16 so that leaves 0x15 and 0x16 (the TSC frequency) are there. */
#define CPUID_GUEST_MIN_BASIC   0x16u
/* The highest extended leaf: 0x80000008 (address sizes); none above. */
#define CPUID_GUEST_MAX_EXT     0x80000008u

/* Keel's hypervisor leaves (the range 0x40000000-0x4fffffff is all Keel's:
 * nothing of a hypervisor Keel itself may run under shows through). */
#define CPUID_HV_BASE           0x40000000u
#define CPUID_HV_TIMING         0x40000010u     /* EAX: TSC kHz, EBX: APIC timer kHz */
#define CPUID_HV_LAST           0x4fffffffu
#define CPUID_KEEL_SIGNATURE    0x6c65654bu     /* "Keel": EBX, ECX, EDX of 0x40000000 */

/* The guest's answer to CPUID(leaf, sub). */
struct cpuid_regs cpuid_policy(uint32_t leaf, uint32_t sub, const struct cpuid_facts *f,
                               cpuid_host_fn host, void *ctx);

/* The basic leaves below 32 whose answer is not the host's, as a bit
 * mask (bit n: leaf n): the exit handler answers the others with the
 * host's CPUID alone, the common leaf 0 among them when the host's
 * highest basic leaf needs no raising. */
uint32_t cpuid_policy_leaves(const struct cpuid_facts *f);

/* The TSC frequency as leaf 0x15 gives it (EAX denominator, EBX
 * numerator, ECX crystal Hz): what Linux's native_calibrate_tsc reads back
 * as floor(ECX / 1000) * EBX / EAX kHz, with 32-bit arithmetic. */
struct cpuid_regs cpuid_tsc_leaf(uint64_t tsc_hz);

#endif
