/* A guest's registers as GDB's remote protocol carries them ('g', 'G',
 * 'p', 'P'), for the architecture the guest's mode calls for, and the
 * target description that names that architecture (qXfer:features). The
 * description holds no register list: GDB then uses its own layout for
 * the architecture, which is the order below (GDB's amd64 and i386
 * "core" registers); the x87 and SSE registers that follow in it are not
 * sent, which GDB takes as unavailable. Pure: tests/unit/test_gdb_regs.c. */
#ifndef KEEL_GDB_REGS_H
#define KEEL_GDB_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gdb_arch { GDB_ARCH_I8086, GDB_ARCH_I386, GDB_ARCH_X86_64 };

/* GPRs in the x86 encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8-r15. */
enum { GDB_RAX, GDB_RCX, GDB_RDX, GDB_RBX, GDB_RSP, GDB_RBP, GDB_RSI, GDB_RDI };
/* Segment registers in the order GDB sends them: cs ss ds es fs gs. */
enum { GDB_CS, GDB_SS, GDB_DS, GDB_ES, GDB_FS, GDB_GS, GDB_SEGS };

struct gdb_x86_regs {
    uint64_t gpr[16];
    uint64_t rip, rflags;
    uint16_t seg[GDB_SEGS];
};

/* The architecture for a guest in this mode: CR0.PE and EFER.LMA with
 * CS.L (64-bit code), else CS.D/B for 32-bit protected mode. */
enum gdb_arch gdb_arch_of(bool protected_mode, bool long_code, bool default32);

/* GDB's register count for `a` in what Keel sends (GPRs, PC, flags, segments). */
unsigned gdb_reg_count(enum gdb_arch a);
/* Register `n`'s size in bytes (0: not one Keel sends). */
unsigned gdb_reg_size(enum gdb_arch a, unsigned n);

/* 'g': every register as hex into `out` (room for gdb_regs_hex_len);
 * returns the length. */
size_t gdb_regs_hex_len(enum gdb_arch a);
size_t gdb_regs_encode(const struct gdb_x86_regs *r, enum gdb_arch a, char *out);
/* 'G': `hex` (len digits) over `r`; false if it is not whole bytes of
 * hex, or longer than what Keel sends. A shorter one sets the registers
 * it covers. */
bool gdb_regs_decode(const char *hex, size_t len, enum gdb_arch a, struct gdb_x86_regs *r);
/* 'p' and 'P' for register n. encode returns the length, 0 when n is not
 * one Keel sends ("E..." for GDB). */
size_t gdb_reg_encode(const struct gdb_x86_regs *r, enum gdb_arch a, unsigned n, char *out);
bool gdb_reg_decode(const char *hex, size_t len, enum gdb_arch a, unsigned n,
                    struct gdb_x86_regs *r);

/* The target description for `a` (NUL-terminated XML). */
const char *gdb_target_xml(enum gdb_arch a);

#endif
