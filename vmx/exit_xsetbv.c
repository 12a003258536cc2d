/* XSETBV: checked the way the SDM's XSETBV description does, then done
 * for the guest. Keel itself uses no extended state, so XCR0 is the
 * guest's while it runs. */
#include "arch/x86/cpu.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"

static bool xcr0_valid(uint64_t val)
{
    struct cpuid_regs r = cpuid(0xd, 0);
    uint64_t supported = ((uint64_t)r.edx << 32 | r.eax) & GUEST_XCR0_ALLOWED;
    if (!(val & X86_XCR0_X87) || (val & ~supported))
        return false;
    if ((val & X86_XCR0_AVX) && !(val & X86_XCR0_SSE))
        return false;
    if (!(val & X86_XCR0_BNDREGS) != !(val & X86_XCR0_BNDCSR))
        return false;
    if ((val & X86_XCR0_AVX512) &&
        ((val & X86_XCR0_AVX512) != X86_XCR0_AVX512 || !(val & X86_XCR0_AVX)))
        return false;
    return true;
}

enum exit_action exit_xsetbv(struct vcpu *v)
{
    uint32_t index = (uint32_t)v->regs.rcx;
    uint64_t val = (uint32_t)v->regs.rax | (v->regs.rdx << 32);
    if (!(vmread(VMCS_GUEST_CR4) & X86_CR4_OSXSAVE)) {    /* not a bit Keel owns: the real one */
        inject_exception(VECTOR_UD, false, 0);
        return EXIT_RESUME;
    }
    /* #GP at CPL > 0 (the CPU checks it before the exit; Bochs exits). */
    if (VMX_AR_DPL(vmread(VMCS_GUEST_SS_AR_BYTES)) != 0 || index != 0 || !xcr0_valid(val)) {
        inject_exception(VECTOR_GP, true, 0);
        return EXIT_RESUME;
    }
    asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
    return EXIT_NEXT_INSTRUCTION;
}
