#ifndef KEEL_ARCH_X86_MSR_H
#define KEEL_ARCH_X86_MSR_H

#include <stdint.h>

enum msr_number {
#define MSR(name, num) MSR_##name = num,
#include "arch/x86/msr.def"
#undef MSR
};

/* "IA32_EFER" for 0xc0000080; NULL for an MSR not in msr.def. */
const char *msr_name(uint32_t msr);

#endif
