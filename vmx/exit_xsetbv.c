/* XSETBV: checked the way the SDM's XSETBV description does, then done
 * for the guest. Keel itself uses no extended state, so XCR0 is the
 * guest's while it runs. */
#include "arch/x86/cpu.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_BNDREGS (1ull << 3)
#define XCR0_BNDCSR  (1ull << 4)
#define XCR0_AVX512  (7ull << 5)
#define CR4_OSXSAVE (1ull << 18)
#define XCR0_PKRU (1ull << 9)
/* The components whose XSETBV rules Keel checks. Others (AMX's TILECFG
 * and TILEDATA, which must come together, and whatever comes next) are
 * refused, so that Keel's own XSETBV can never fault on a guest's value. */
#define XCR0_CHECKED (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_BNDREGS | XCR0_BNDCSR | \
                      XCR0_AVX512 | XCR0_PKRU)

static bool xcr0_valid(uint64_t val)
{
    struct cpuid_regs r = cpuid(0xd, 0);
    uint64_t supported = ((uint64_t)r.edx << 32 | r.eax) & XCR0_CHECKED;
    if (!(val & XCR0_X87) || (val & ~supported))
        return false;
    if ((val & XCR0_AVX) && !(val & XCR0_SSE))
        return false;
    if (!(val & XCR0_BNDREGS) != !(val & XCR0_BNDCSR))
        return false;
    if ((val & XCR0_AVX512) && ((val & XCR0_AVX512) != XCR0_AVX512 || !(val & XCR0_AVX)))
        return false;
    return true;
}

enum exit_action exit_xsetbv(struct vcpu *v)
{
    uint32_t index = (uint32_t)v->regs.rcx;
    uint64_t val = (uint32_t)v->regs.rax | (v->regs.rdx << 32);
    if (!(vmread(VMCS_GUEST_CR4) & CR4_OSXSAVE)) {    /* not a bit Keel owns: the real one */
        inject_exception(VECTOR_UD, false, 0);
        return EXIT_RESUME;
    }
    if (index != 0 || !xcr0_valid(val)) {
        inject_exception(VECTOR_GP, true, 0);
        return EXIT_RESUME;
    }
    asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
    return EXIT_NEXT_INSTRUCTION;
}
