/* One-instruction wrappers: the only inline assembly outside boot/ and the
 * VM entry/exit stub. */
#ifndef KEEL_ARCH_X86_CPU_H
#define KEEL_ARCH_X86_CPU_H

#include <stdint.h>

#include "arch/x86/x86.h"

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    asm volatile("cpuid"
                 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                 : "a"(leaf), "c"(subleaf));
    return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/* XCR0 (needs CR4.OSXSAVE, which Keel sets wherever the CPU has XSAVE). */
static inline uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

#define DEFINE_CR(n)                                                        \
    static inline uint64_t read_cr##n(void)                                 \
    {                                                                       \
        uint64_t v;                                                         \
        asm volatile("mov %%cr" #n ", %0" : "=r"(v));                       \
        return v;                                                           \
    }                                                                       \
    static inline void write_cr##n(uint64_t v)                              \
    {                                                                       \
        asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");              \
    }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

/* DR0-DR3 by number (the guest's, while its vCPU runs: vmx/exit_cr.c). */
static inline void write_dr(unsigned n, uint64_t v)
{
    switch (n) {
    case 0: asm volatile("mov %0, %%db0" : : "r"(v)); break;
    case 1: asm volatile("mov %0, %%db1" : : "r"(v)); break;
    case 2: asm volatile("mov %0, %%db2" : : "r"(v)); break;
    case 3: asm volatile("mov %0, %%db3" : : "r"(v)); break;
    }
}

static inline uint64_t read_rflags(void)
{
    uint64_t v;
    asm volatile("pushfq; popq %0" : "=r"(v));
    return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
    asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void cli(void)
{
    asm volatile("cli" ::: "memory");
}

static inline void hlt(void)
{
    asm volatile("hlt" ::: "memory");
}

static inline void cpu_relax(void)
{
    asm volatile("pause" ::: "memory");
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Stop this CPU for good: interrupts off, halt, and halt again after an
 * NMI or SMI wakes it. */
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
    for (;;) {
        cli();
        hlt();
    }
}

#endif
