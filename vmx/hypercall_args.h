/* A hypercall's arguments, decoded and checked before anything acts on
 * them (vmx/exit_vmcall.c): pure, unit-tested and fuzzed, since the guest
 * chooses every bit. The ABI is vmx/hypercall.h. */
#ifndef KEEL_VMX_HYPERCALL_ARGS_H
#define KEEL_VMX_HYPERCALL_ARGS_H

#include <stdbool.h>
#include <stdint.h>

struct hc_call {
    uint64_t nr;                /* HC_*, as the guest gave it */
    int64_t error;              /* HC_OK, or HC_EUNKNOWN / HC_EFAULT: refused */
    uint64_t gpa, len;          /* CONSOLE_WRITE, TEST_RESULT: the buffer, inside RAM */
    bool fail;                  /* TEST_RESULT: a FAIL report */
    uint32_t status;            /* EXIT: the exit status */
};

/* Decode RAX (nr), RBX, RCX, RDX, already cut to the guest's word size,
 * for a guest with `mem` bytes of RAM from guest-physical 0. A buffer is
 * accepted only if it has at most HC_BUFFER_MAX bytes and every byte lies
 * in RAM (no wrap-around). */
struct hc_call hc_decode(uint64_t nr, uint64_t rbx, uint64_t rcx, uint64_t rdx, uint64_t mem);

#endif
