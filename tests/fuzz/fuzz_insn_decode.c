// fuzz: vmx/insn_decode.c
/* libFuzzer harness for the MMIO instruction decoder and emulator.
 * Input: mode byte, byte count, that many instruction bytes (copied to a
 * heap block of exactly that size, so ASan sees any read past `avail`),
 * then register, flag and device values. Checks what decode promises
 * (sizes, register numbers, length within avail and 15, the same result
 * from exactly `length` bytes, SHORT from one byte fewer) and what
 * emulate promises (callback sizes, one read then one write at most, only
 * the destination register and the arithmetic flags change, nothing
 * changes when a callback fails).
 *   scripts/fuzz.sh insn_decode */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/insn_decode.h"

#define FUZZ_NAME "insn_decode"
#include "fuzz.h"

static bool size_ok(unsigned s)
{
    return s == 1 || s == 2 || s == 4 || s == 8;
}

struct dev {
    const struct insn *in;
    uint64_t val;
    bool fail_read, fail_write;
    unsigned reads, writes;
};

static int dev_read(void *ctx, unsigned size, uint64_t *val)
{
    struct dev *d = ctx;
    ASSERT(size == d->in->size && size_ok(size));
    ASSERT(d->in->mem_read && d->reads == 0 && d->writes == 0);
    d->reads++;
    if (d->fail_read)
        return -1;
    *val = size == 8 ? d->val : d->val & ((1ull << (8 * size)) - 1);
    return 0;
}

static int dev_write(void *ctx, unsigned size, uint64_t val)
{
    struct dev *d = ctx;
    ASSERT(size == d->in->size && size_ok(size));
    ASSERT(d->in->mem_write && d->writes == 0);
    ASSERT(size == 8 || val >> (8 * size) == 0);
    d->writes++;
    return d->fail_write ? -1 : 0;
}

static void same_insn(const struct insn *a, const struct insn *b)
{
    ASSERT(a->op == b->op && a->length == b->length && a->size == b->size);
    ASSERT(a->mem_dst == b->mem_dst && a->mem_read == b->mem_read && a->mem_write == b->mem_write);
    ASSERT(a->has_reg == b->has_reg && a->reg == b->reg && a->reg_high8 == b->reg_high8);
    ASSERT(a->reg_size == b->reg_size && a->has_imm == b->has_imm && a->imm == b->imm);
    ASSERT(a->addr_size == b->addr_size && a->base == b->base && a->index == b->index);
    ASSERT(a->scale == b->scale && a->disp == b->disp && a->seg == b->seg && a->lock == b->lock);
}

static void check_decoded(const struct insn *in, unsigned avail, enum insn_mode mode)
{
    ASSERT(in->length >= 1 && in->length <= avail && in->length <= INSN_MAX_LEN);
    ASSERT((unsigned)in->op <= INSN_NOT);
    ASSERT(size_ok(in->size));
    ASSERT(in->addr_size == 2 || in->addr_size == 4 || in->addr_size == 8);
    ASSERT(mode == INSN_MODE64 || in->addr_size != 8);
    ASSERT(in->scale == 1 || in->scale == 2 || in->scale == 4 || in->scale == 8);
    ASSERT(in->base == INSN_NO_REG || (in->base >= 0 && in->base <= INSN_REG_RIP));
    ASSERT(in->index == INSN_NO_REG || (in->index >= 0 && in->index < 16 && in->index != 4));
    ASSERT(in->seg >= -1 && in->seg <= 5);
    ASSERT(in->mem_read || in->mem_write);
    if (mode != INSN_MODE64)
        ASSERT((in->base < 8 || in->base == INSN_NO_REG) && in->index < 8);
    if (in->has_reg) {
        ASSERT(in->reg < 16 && size_ok(in->reg_size));
        ASSERT(!in->reg_high8 || (in->reg < 4 && in->reg_size == 1));
        ASSERT(mode == INSN_MODE64 || in->reg < 8);
        if (in->op == INSN_MOVZX || in->op == INSN_MOVSX)
            ASSERT(in->reg_size > in->size || (in->reg_size == 2 && in->size == 2));
        else
            ASSERT(in->reg_size == in->size);
    }
    ASSERT(in->has_reg != in->has_imm || in->op == INSN_NOT);
    if (in->op == INSN_NOT)
        ASSERT(!in->has_reg && !in->has_imm);
    if (in->op == INSN_MOV)
        ASSERT(in->mem_read != in->mem_write);
    if (in->op == INSN_CMP || in->op == INSN_TEST || in->op == INSN_BT)
        ASSERT(!in->mem_write);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input src = { data, size };
    enum insn_mode mode = (enum insn_mode)(take(&src, 1) % 3);
    unsigned avail = (unsigned)take(&src, 1) % 24;
    if (avail > src.n)
        avail = (unsigned)src.n;
    uint8_t *bytes = malloc(avail ? avail : 1);
    memcpy(bytes, src.p, avail);
    src.p += avail;
    src.n -= avail;

    struct insn in, again;
    const char *why = NULL;
    enum insn_status st = insn_decode(bytes, avail, mode, &in, &why);
    ASSERT(st == INSN_OK || st == INSN_BAD || st == INSN_SHORT);
    if (st != INSN_OK) {
        ASSERT(why && *why);
        ASSERT(st != INSN_SHORT || avail < INSN_MAX_LEN);
        free(bytes);
        return 0;
    }
    check_decoded(&in, avail, mode);
    /* Exactly `length` bytes decode the same; one fewer is short. */
    ASSERT(insn_decode(bytes, in.length, mode, &again, &why) == INSN_OK);
    same_insn(&in, &again);
    ASSERT(insn_decode(bytes, in.length - 1u, mode, &again, &why) == INSN_SHORT);
    free(bytes);
    ASSERT(insn_op_name(in.op)[0] != '?');

    uint64_t regs[16], before[16], rflags, flags_before;
    for (int i = 0; i < 16; i++)
        regs[i] = take(&src, 8);
    rflags = take(&src, 8);
    uint8_t ctl = (uint8_t)take(&src, 1);
    struct dev d = { .in = &in, .val = take(&src, 8), .fail_read = ctl & 1,
                     .fail_write = ctl & 2 };
    memcpy(before, regs, sizeof(regs));
    flags_before = rflags;

    int r = insn_emulate(&in, regs, &rflags, dev_read, dev_write, &d);
    ASSERT(r == 0 || r == -1);
    ASSERT(d.reads == (in.mem_read ? 1u : 0u));
    if (d.fail_read && in.mem_read)
        ASSERT(r == -1 && d.writes == 0);
    if (r == -1) {
        ASSERT((d.fail_read && in.mem_read) || (d.fail_write && in.mem_write));
        ASSERT(!memcmp(regs, before, sizeof(regs)) && rflags == flags_before);
        return 0;
    }
    ASSERT(!(d.fail_read && in.mem_read) && !(d.fail_write && in.mem_write));
    ASSERT(d.writes == (in.mem_write ? 1u : 0u));
    /* Only the arithmetic flags, and only for the ops that set them. */
    uint64_t changed = rflags ^ flags_before;
    ASSERT(!(changed & ~0x8d5ull));
    if (in.op == INSN_MOV || in.op == INSN_MOVZX || in.op == INSN_MOVSX ||
        in.op == INSN_XCHG || in.op == INSN_NOT)
        ASSERT(!changed);
    if (in.op >= INSN_BT && in.op <= INSN_BTC)
        ASSERT(!(changed & ~1ull));
    /* Only the destination register, and only the bits its size allows. */
    bool writes_reg = in.op == INSN_XCHG || (in.has_reg && !in.mem_dst && in.op != INSN_CMP);
    for (unsigned i = 0; i < 16; i++) {
        if (!writes_reg || i != in.reg) {
            ASSERT(regs[i] == before[i]);
            continue;
        }
        uint64_t keep = in.reg_high8 ? ~0xff00ull : in.reg_size == 1 ? ~0xffull
                      : in.reg_size == 2 ? ~0xffffull : 0;
        ASSERT((regs[i] & keep) == (before[i] & keep));
        if (in.reg_size == 4)
            ASSERT(regs[i] >> 32 == 0);
    }
    return 0;
}
