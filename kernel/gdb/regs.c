#include "kernel/gdb/regs.h"
#include "kernel/gdb/packet.h"

/* The order GDB numbers them. amd64: rax rbx rcx rdx rsi rdi rbp rsp
 * r8-r15, rip, eflags, cs ss ds es fs gs. i386 (and i8086): eax ecx edx
 * ebx esp ebp esi edi, eip, eflags, cs ss ds es fs gs. */
static const uint8_t amd64_gpr[16] = { GDB_RAX, GDB_RBX, GDB_RCX, GDB_RDX, GDB_RSI, GDB_RDI,
                                       GDB_RBP, GDB_RSP, 8, 9, 10, 11, 12, 13, 14, 15 };

enum gdb_arch gdb_arch_of(bool protected_mode, bool long_code, bool default32)
{
    if (protected_mode && long_code)
        return GDB_ARCH_X86_64;
    return protected_mode && default32 ? GDB_ARCH_I386 : GDB_ARCH_I8086;
}

static unsigned gprs(enum gdb_arch a)
{
    return a == GDB_ARCH_X86_64 ? 16 : 8;
}

unsigned gdb_reg_count(enum gdb_arch a)
{
    return gprs(a) + 2 + GDB_SEGS;
}

unsigned gdb_reg_size(enum gdb_arch a, unsigned n)
{
    unsigned wide = a == GDB_ARCH_X86_64 ? 8 : 4;
    if (n < gprs(a) + 1)            /* the GPRs and the PC */
        return wide;
    return n < gdb_reg_count(a) ? 4 : 0;
}

/* Where register n lives in `r`, and how many of its bytes GDB sees. */
static uint64_t *slot(struct gdb_x86_regs *r, enum gdb_arch a, unsigned n, uint16_t **seg)
{
    *seg = NULL;
    if (n < gprs(a))
        return &r->gpr[a == GDB_ARCH_X86_64 ? amd64_gpr[n] : n];
    if (n == gprs(a))
        return &r->rip;
    if (n == gprs(a) + 1)
        return &r->rflags;
    *seg = &r->seg[n - gprs(a) - 2];
    return NULL;
}

size_t gdb_regs_hex_len(enum gdb_arch a)
{
    size_t n = 0;
    for (unsigned i = 0; i < gdb_reg_count(a); i++)
        n += 2 * gdb_reg_size(a, i);
    return n;
}

size_t gdb_reg_encode(const struct gdb_x86_regs *r, enum gdb_arch a, unsigned n, char *out)
{
    unsigned size = gdb_reg_size(a, n);
    if (!size)
        return 0;
    uint16_t *seg;
    uint64_t *v = slot((struct gdb_x86_regs *)r, a, n, &seg), value = v ? *v : *seg;
    uint8_t bytes[8];
    for (unsigned i = 0; i < size; i++)         /* the target's order: little-endian */
        bytes[i] = (uint8_t)(value >> (8 * i));
    gdb_hex_encode(bytes, size, out);
    return 2 * size;
}

bool gdb_reg_decode(const char *hex, size_t len, enum gdb_arch a, unsigned n,
                    struct gdb_x86_regs *r)
{
    unsigned size = gdb_reg_size(a, n);
    uint8_t bytes[8];
    if (!size || len != 2 * size || !gdb_hex_decode(hex, size, bytes))
        return false;
    uint64_t value = 0;
    for (unsigned i = 0; i < size; i++)
        value |= (uint64_t)bytes[i] << (8 * i);
    uint16_t *seg;
    uint64_t *v = slot(r, a, n, &seg);
    if (v)      /* 32-bit views keep the upper half as it was */
        *v = size == 8 ? value : (*v & ~0xffffffffull) | value;
    else
        *seg = (uint16_t)value;
    return true;
}

size_t gdb_regs_encode(const struct gdb_x86_regs *r, enum gdb_arch a, char *out)
{
    size_t at = 0;
    for (unsigned i = 0; i < gdb_reg_count(a); i++)
        at += gdb_reg_encode(r, a, i, out + at);
    return at;
}

bool gdb_regs_decode(const char *hex, size_t len, enum gdb_arch a, struct gdb_x86_regs *r)
{
    if (len % 2 || len > gdb_regs_hex_len(a))
        return false;
    struct gdb_x86_regs copy = *r;
    size_t at = 0;
    for (unsigned i = 0; i < gdb_reg_count(a) && at < len; i++) {
        size_t digits = 2 * gdb_reg_size(a, i);
        if (at + digits > len || !gdb_reg_decode(hex + at, digits, a, i, &copy))
            return false;
        at += digits;
    }
    *r = copy;
    return true;
}

const char *gdb_target_xml(enum gdb_arch a)
{
    switch (a) {
    case GDB_ARCH_X86_64:
        return "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
               "<target version=\"1.0\"><architecture>i386:x86-64</architecture></target>";
    case GDB_ARCH_I386:
        return "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
               "<target version=\"1.0\"><architecture>i386</architecture></target>";
    case GDB_ARCH_I8086:
        break;
    }
    return "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
           "<target version=\"1.0\"><architecture>i8086</architecture></target>";
}
