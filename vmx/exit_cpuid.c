/* CPUID: the CPU's answers, less VMX (Keel offers no nested VMX) and
 * MONITOR/MWAIT (they exit), plus the hypervisor bit and Keel's leaves;
 * the topology is the guest's own (its vCPUs, its APIC IDs), nothing of
 * the host's. */
#include "arch/x86/cpu.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"
#include "vmx/vmx_ops.h"
#include "vmx/vmcs_fields.h"

#define HV_LEAF_BASE   0x40000000u
#define HV_LEAF_MAX    0x40000001u

/* "KeelKeelKeel" in EBX, ECX, EDX */
#define KEEL_SIGNATURE 0x6c65654bu

/* The leaves that describe the topology (SDM CPUID: 01H, 04H, 0BH, 1FH). */
#define TOPOLOGY_LEAVES ((1u << 1) | (1u << 4) | (1u << 0xb) | (1u << 0x1f))
#define LEAF1_EBX_COUNT(n)  ((uint32_t)(n) << 16)
#define LEAF1_EBX_APIC_ID(i) ((uint32_t)(i) << 24)
#define LEAF1_EDX_HTT       (1u << 28)
#define LEAF1_ECX_TSC_DEADLINE (1u << 24)
#define LEAF1_ECX_OSXSAVE   (1u << 27)
#define LEAF4_EAX_TOPOLOGY  0xffffc000u     /* bits 31:14: cores and sharing threads */
#define LEVEL_TYPE_SMT  1
#define LEVEL_TYPE_CORE 2

static void set_regs(struct vcpu *v, const struct cpuid_regs *r)
{
    v->regs.rax = r->eax;
    v->regs.rbx = r->ebx;
    v->regs.rcx = r->ecx;
    v->regs.rdx = r->edx;
}

/* Out of line: the common leaves (the measured round trip is leaf 0) pay
 * nothing for it. */
static __attribute__((noinline)) enum exit_action topology(struct vcpu *v, uint32_t leaf,
                                                           uint32_t sub)
{
    struct cpuid_regs host = cpuid(leaf, sub), *r = &host;
    uint32_t n = v->guest->vcpu_count, id = v->index;
    uint32_t shift = 0;
    while ((1u << shift) < n)
        shift++;
    switch (leaf) {
    case 1:
        r->ecx &= ~(X86_FEATURE_VMX_ECX | X86_FEATURE_MONITOR_ECX);
        r->ecx |= X86_FEATURE_HYPERVISOR_ECX | LEAF1_ECX_TSC_DEADLINE;  /* the APIC emulates it */
        r->ebx = (r->ebx & 0xffff) | LEAF1_EBX_COUNT(n) | LEAF1_EBX_APIC_ID(id);
        /* OSXSAVE mirrors the guest's CR4, not Keel's (SDM CPUID 01H ECX[27]). */
        r->ecx &= ~LEAF1_ECX_OSXSAVE;
        if (vmread(VMCS_GUEST_CR4) & X86_CR4_OSXSAVE)
            r->ecx |= LEAF1_ECX_OSXSAVE;
        r->edx |= LEAF1_EDX_HTT;
        break;
    case 4:
        /* One core per vCPU, no cache shared between threads. */
        if (r->eax & 0x1f)
            r->eax = (r->eax & ~LEAF4_EAX_TOPOLOGY) | (n - 1) << 26;
        break;
    default:    /* 0BH, 1FH: an SMT level of one thread, a core level of n */
        if (sub == 0)
            *r = (struct cpuid_regs){ 0, 1, LEVEL_TYPE_SMT << 8, id };
        else if (sub == 1)
            *r = (struct cpuid_regs){ shift, n, 1 | LEVEL_TYPE_CORE << 8, id };
        else
            *r = (struct cpuid_regs){ 0, 0, sub & 0xff, id };
        break;
    }
    set_regs(v, r);
    return EXIT_NEXT_INSTRUCTION;
}

enum exit_action exit_cpuid(struct vcpu *v)
{
    uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
    struct cpuid_regs r;
    if (leaf < 32) {
        if (TOPOLOGY_LEAVES >> leaf & 1)
            return topology(v, leaf, sub);
        r = cpuid(leaf, sub);
    } else if (leaf >= HV_LEAF_BASE && leaf <= 0x400000ffu) {
        r = (struct cpuid_regs){ 0, 0, 0, 0 };
        if (leaf == HV_LEAF_BASE)
            r = (struct cpuid_regs){ HV_LEAF_MAX, KEEL_SIGNATURE, KEEL_SIGNATURE, KEEL_SIGNATURE };
    } else {
        r = cpuid(leaf, sub);
    }
    set_regs(v, &r);
    return EXIT_NEXT_INSTRUCTION;
}
