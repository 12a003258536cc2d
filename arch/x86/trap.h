#ifndef KEEL_ARCH_X86_TRAP_H
#define KEEL_ARCH_X86_TRAP_H

#include <stddef.h>
#include <stdint.h>

/* What arch/x86/isr.asm leaves on the stack, lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.asm pushes 22 quadwords");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "isr.asm: 15 GPRs first");

void trap_dispatch(struct trap_frame *f);

/* "#UD" and "invalid opcode" for vector 6; NULL past 31. */
const char *exception_mnemonic(unsigned vector);
const char *exception_description(unsigned vector);

#endif
