/* CPUID: the CPU's answers, less VMX (Keel offers no nested VMX) and
 * MONITOR/MWAIT (they exit), plus the hypervisor bit and Keel's leaves. */
#include "arch/x86/cpu.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"

#define HV_LEAF_BASE   0x40000000u
#define HV_LEAF_MAX    0x40000001u

/* "KeelKeelKeel" in EBX, ECX, EDX */
#define KEEL_SIGNATURE 0x6c65654bu

enum exit_action exit_cpuid(struct vcpu *v)
{
    uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
    struct cpuid_regs r;
    if (leaf >= HV_LEAF_BASE && leaf <= 0x400000ffu) {
        r = (struct cpuid_regs){ 0, 0, 0, 0 };
        if (leaf == HV_LEAF_BASE)
            r = (struct cpuid_regs){ HV_LEAF_MAX, KEEL_SIGNATURE, KEEL_SIGNATURE, KEEL_SIGNATURE };
    } else {
        r = cpuid(leaf, sub);
        if (leaf == 1) {
            r.ecx &= ~(X86_FEATURE_VMX_ECX | X86_FEATURE_MONITOR_ECX);
            r.ecx |= X86_FEATURE_HYPERVISOR_ECX;
        }
    }
    v->regs.rax = r.eax;
    v->regs.rbx = r.ebx;
    v->regs.rcx = r.ecx;
    v->regs.rdx = r.edx;
    return EXIT_NEXT_INSTRUCTION;
}
