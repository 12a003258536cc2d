/* CPUID: the host's answer for the leaves Keel leaves alone (leaf 0 on
 * most CPUs, leaf 2), inline; every other leaf out of line, from the
 * policy (vmx/cpuid_policy.c): features Keel does not virtualize hidden,
 * the guest's own topology, the TSC frequency, Keel's hypervisor leaves. */
#include "arch/x86/cpu.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"
#include "vmx/guest_cpu.h"
#include "vmx/vmx_ops.h"
#include "vmx/vmcs_fields.h"

#define CR4_PKE (1ull << 22)

static void set_regs(struct vcpu *v, const struct cpuid_regs *r)
{
    v->regs.rax = r->eax;
    v->regs.rbx = r->ebx;
    v->regs.rcx = r->ecx;
    v->regs.rdx = r->edx;
}

static struct cpuid_regs host_cpuid(uint32_t leaf, uint32_t sub, void *ctx)
{
    (void)ctx;
    return cpuid(leaf, sub);
}

/* Out of line: the common leaves (the measured round trip is leaf 0) pay
 * nothing for it, not even its arguments (it reads them again). */
static __attribute__((noinline)) enum exit_action policy(struct vcpu *v)
{
    uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
    struct cpuid_facts f = guest_cpuid_facts;
    f.vcpu_count = v->guest->vcpu_count;
    f.vcpu_index = v->index;
    /* OSXSAVE and OSPKE mirror the guest's CR4 (SDM CPUID 01H ECX[27],
     * 07H ECX[4]): bits Keel does not own, so the real ones. */
    uint64_t cr4 = vmread(VMCS_GUEST_CR4);
    f.cr4_osxsave = cr4 & X86_CR4_OSXSAVE;
    f.cr4_pke = cr4 & CR4_PKE;
    if (leaf == 0xd)        /* the sizes of what it enables: XCR0 is the guest's (exit_xsetbv.c) */
        f.xcr0 = xgetbv0();
    struct cpuid_regs r = cpuid_policy(leaf, sub, &f, host_cpuid, NULL);
    set_regs(v, &r);
    return EXIT_NEXT_INSTRUCTION;
}

enum exit_action exit_cpuid(struct vcpu *v)
{
    uint32_t leaf = (uint32_t)v->regs.rax;
    if (leaf >= 32 || (guest_cpuid_leaves >> leaf & 1))
        return policy(v);
    /* The host's answer straight into the guest's registers: in 64-bit
     * mode CPUID clears bits 63:32 of all four (SDM CPUID, "Operation"),
     * so no value needs extending on the way. */
    asm volatile("cpuid"
                 : "=a"(v->regs.rax), "=b"(v->regs.rbx), "=c"(v->regs.rcx), "=d"(v->regs.rdx)
                 : "a"(leaf), "c"((uint32_t)v->regs.rcx));
    return EXIT_NEXT_INSTRUCTION;
}
