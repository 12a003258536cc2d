/* The GDB stub's access to the guest it debugs (kernel/gdb/stub.c): the
 * registers of a vCPU and its memory by linear address. Every call runs
 * on the CPU that owns the vCPU, with its VMCS current (the stub serves
 * GDB from that vCPU's pause, vmx/event.c), so registers are read and
 * written directly, and linear addresses are translated through the
 * guest's own page tables as its VMCS has them now (vmx/guest_walk.c). */
#ifndef KEEL_GDB_TARGET_H
#define KEEL_GDB_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/gdb/regs.h"

struct vcpu;

/* The architecture for the vCPU's mode now. */
enum gdb_arch gdb_target_arch(void);

void gdb_target_get_regs(struct vcpu *v, struct gdb_x86_regs *r);
void gdb_target_set_regs(struct vcpu *v, const struct gdb_x86_regs *r);

/* Copy `n` bytes at linear `la` out of (read) or into (write) the guest;
 * returns how many were done before a byte that is not mapped, or not
 * in its RAM. */
size_t gdb_target_read(struct vcpu *v, uint64_t la, uint8_t *buf, size_t n);
size_t gdb_target_write(struct vcpu *v, uint64_t la, const uint8_t *buf, size_t n);

#endif
