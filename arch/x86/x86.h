/* x86 architectural definitions: no code, so pure files (and host unit
 * tests) use them too. The one place for these bits. */
#ifndef KEEL_ARCH_X86_X86_H
#define KEEL_ARCH_X86_X86_H

/* Architectural bits Keel uses, named as in the SDM ("Control
 * Registers", "EFLAGS Register", "IA32_EFER", "XSAVE-Supported Features
 * and State-Component Bitmaps"). The one place for them. */
#define X86_CR0_PE   (1ull << 0)
#define X86_CR0_TS   (1ull << 3)
#define X86_CR0_ET   (1ull << 4)
#define X86_CR0_NE   (1ull << 5)
#define X86_CR0_WP   (1ull << 16)
#define X86_CR0_NW   (1ull << 29)
#define X86_CR0_CD   (1ull << 30)
#define X86_CR0_PG   (1ull << 31)
#define X86_CR4_DE   (1ull << 3)
#define X86_CR4_PSE  (1ull << 4)
#define X86_CR4_PAE  (1ull << 5)
#define X86_CR4_PGE  (1ull << 7)
#define X86_CR4_VMXE (1ull << 13)
#define X86_CR4_PCIDE (1ull << 17)
#define X86_CR4_OSXSAVE (1ull << 18)
#define X86_CR4_SMEP (1ull << 20)
#define X86_CR0_AM   (1ull << 18)
#define X86_RFLAGS_AC (1ull << 18)
/* DR6 and DR7 bits that always read 1 (SDM "Debug Status Register (DR6)",
 * "Debug Control Register (DR7)"), and the #DB status bits: B0-B3, BD, BS. */
#define DR6_FIXED_1 0xffff0ff0ull
#define DR7_FIXED_1 0x400ull
#define DR6_STATUS  0x600full
#define X86_EFER_SCE (1ull << 0)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_EFER_NXE (1ull << 11)
/* The EFER bits software may set (LMA is the CPU's). */
#define X86_EFER_WRITABLE (X86_EFER_SCE | X86_EFER_LME | X86_EFER_NXE)

#define X86_RFLAGS_FIXED (1ull << 1)    /* reserved, always 1 */
#define X86_RFLAGS_IF (1ull << 9)
#define X86_RFLAGS_VM (1ull << 17)
#define X86_PAT_POWER_ON 0x0007040600070406ull   /* IA32_PAT at reset */
#define X86_XCR0_X87 (1ull << 0)
#define X86_XCR0_SSE (1ull << 1)
#define X86_XCR0_AVX (1ull << 2)
#define X86_XCR0_BNDREGS (1ull << 3)
#define X86_XCR0_BNDCSR  (1ull << 4)
#define X86_XCR0_AVX512  (7ull << 5)    /* opmask, ZMM_Hi256, Hi16_ZMM */
#define X86_XCR0_PKRU    (1ull << 9)

/* CPUID feature bits used by Keel: leaf, register, bit. */
#define X86_CPUID_HYPERVISOR_LEAF 0x40000000u
#define X86_FEATURE_MONITOR_ECX    (1u << 3)    /* CPUID.1:ECX */
#define X86_FEATURE_VMX_ECX        (1u << 5)
#define X86_FEATURE_SMX_ECX        (1u << 6)
#define X86_FEATURE_X2APIC_ECX     (1u << 21)
#define X86_FEATURE_TSC_DEADLINE_ECX (1u << 24)
#define X86_FEATURE_XSAVE_ECX      (1u << 26)
#define X86_FEATURE_HYPERVISOR_ECX (1u << 31)

/* Bits 63:47 all equal: an address the CPU accepts in 64-bit mode. */
static inline int x86_canonical(unsigned long long a)
{
    unsigned long long top = a >> 47;
    return top == 0 || top == 0x1ffff;
}

#endif
