/* Decoder and emulator for the instructions guests use on device
 * registers (vmx/insn_decode.h). The SDM's "Instruction Format" chapter
 * is the model: legacy prefixes, REX, opcode, ModRM, SIB, displacement,
 * immediate, in that order. */
#include "vmx/insn_decode.h"

/* EFLAGS bits the emulated ops change (SDM "EFLAGS Register"). */
#define RFLAGS_CF (1ull << 0)
#define RFLAGS_PF (1ull << 2)
#define RFLAGS_AF (1ull << 4)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_SF (1ull << 7)
#define RFLAGS_OF (1ull << 11)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

struct decoder {
    const uint8_t *bytes;
    unsigned avail;         /* min(avail, INSN_MAX_LEN) */
    unsigned pos;
    bool past_max;          /* the instruction would exceed INSN_MAX_LEN */
    const char *why;
};

/* n bytes little-endian at the cursor; false when they are not there. */
static bool take(struct decoder *d, unsigned n, uint64_t *val)
{
    if (d->pos + n > d->avail) {
        d->past_max = d->pos + n > INSN_MAX_LEN;
        return false;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)d->bytes[d->pos + i] << (8 * i);
    d->pos += n;
    *val = v;
    return true;
}

static uint64_t sign_extend(uint64_t v, unsigned bytes)
{
    unsigned shift = 64 - 8 * bytes;
    return (uint64_t)((int64_t)(v << shift) >> shift);
}

/* ModRM, SIB and displacement of the one memory operand ("32-Bit
 * Addressing Forms with the ModR/M Byte" and its 16-bit table). Returns
 * the ModRM reg field extended by REX.R, or -1 with d->why set, or -2
 * when bytes ran out. */
static int decode_modrm(struct decoder *d, struct insn *in, unsigned rex, bool mode64)
{
    static const int8_t base16[8] = { INSN_RBX, INSN_RBX, INSN_RBP, INSN_RBP,
                                      INSN_RSI, INSN_RDI, INSN_RBP, INSN_RBX };
    static const int8_t index16[8] = { INSN_RSI, INSN_RDI, INSN_RSI, INSN_RDI,
                                       INSN_NO_REG, INSN_NO_REG, INSN_NO_REG, INSN_NO_REG };
    uint64_t modrm, v;
    if (!take(d, 1, &modrm))
        return -2;
    unsigned mod = (unsigned)modrm >> 6, rm = modrm & 7;
    int reg = (int)((modrm >> 3) & 7) | (rex & REX_R ? 8 : 0);
    if (mod == 3) {
        d->why = "ModRM names a register, not memory";
        return -1;
    }
    in->base = in->index = INSN_NO_REG;
    in->scale = 1;
    unsigned disp_size = mod == 1 ? 1 : 0;
    if (in->addr_size == 2) {
        if (mod == 0 && rm == 6) {
            disp_size = 2;
        } else {
            in->base = base16[rm];
            in->index = index16[rm];
            if (mod == 2)
                disp_size = 2;
        }
    } else {
        if (mod == 2)
            disp_size = 4;
        unsigned base = rm;
        if (rm == 4) {
            uint64_t sib;
            if (!take(d, 1, &sib))
                return -2;
            unsigned index = ((sib >> 3) & 7) | (rex & REX_X ? 8 : 0);
            in->scale = (uint8_t)(1u << (sib >> 6));
            if (index != 4)             /* 100b without REX.X: no index */
                in->index = (int8_t)index;
            base = sib & 7;
            if (base == 5 && mod == 0)
                disp_size = 4;          /* [index*scale + disp32], no base */
            else
                in->base = (int8_t)(base | (rex & REX_B ? 8 : 0));
        } else if (rm == 5 && mod == 0) {
            disp_size = 4;              /* disp32: RIP-relative in 64-bit mode */
            if (mode64)
                in->base = INSN_REG_RIP;
        } else {
            in->base = (int8_t)(rm | (rex & REX_B ? 8 : 0));
        }
    }
    in->disp = 0;
    if (disp_size) {
        if (!take(d, disp_size, &v))
            return -2;
        in->disp = (int64_t)sign_extend(v, disp_size);
    }
    return reg;
}

/* The register operand named by a ModRM reg field (or AL/eAX for moffs):
 * without REX, byte registers 4-7 are AH CH DH BH ("Register Encodings
 * Associated with the ModR/M Byte"). */
static void set_reg(struct insn *in, int reg, unsigned size, bool rex_present)
{
    in->has_reg = true;
    in->reg_size = (uint8_t)size;
    in->reg_high8 = size == 1 && !rex_present && reg >= 4 && reg < 8;
    in->reg = (uint8_t)(in->reg_high8 ? reg - 4 : reg);
}

/* The ALU op numbering shared by opcodes 00-3F and group 1 (/0-/7). */
static const enum insn_op alu_ops[8] = { INSN_ADD, INSN_OR, INSN_ADD, INSN_ADD,
                                         INSN_AND, INSN_SUB, INSN_XOR, INSN_CMP };
static bool alu_supported(unsigned n)
{
    return n != 2 && n != 3;            /* ADC and SBB are not emulated */
}

static bool lockable(const struct insn *in)
{
    /* "LOCK—Assert LOCK# Signal Prefix": only these, with a memory
     * destination; anything else raises #UD. */
    switch (in->op) {
    case INSN_ADD: case INSN_OR: case INSN_AND: case INSN_SUB: case INSN_XOR:
    case INSN_XCHG: case INSN_BTS: case INSN_BTR: case INSN_BTC: case INSN_NOT:
        return in->mem_dst;
    default:
        return false;
    }
}

static enum insn_status refuse(const char **why, enum insn_status st, const char *reason)
{
    if (why)
        *why = reason;
    return st;
}

enum insn_status insn_decode(const uint8_t *bytes, unsigned avail, enum insn_mode mode,
                             struct insn *out, const char **why)
{
    struct decoder d = { .bytes = bytes, .avail = avail < INSN_MAX_LEN ? avail : INSN_MAX_LEN };
    struct insn in = { .seg = -1, .base = INSN_NO_REG, .index = INSN_NO_REG, .scale = 1 };
    bool mode64 = mode == INSN_MODE64, opsize_prefix = false, addr_prefix = false;
    unsigned rex = 0;
    bool rex_present = false;
    uint64_t opc, imm;
    int reg = 0;

    /* Legacy prefixes in any order, then at most one REX that counts only
     * right before the opcode ("REX Prefixes"). */
    for (;;) {
        if (!take(&d, 1, &opc))
            goto short_;
        switch (opc) {
        case 0x66: opsize_prefix = true; break;
        case 0x67: addr_prefix = true; break;
        case 0x26: in.seg = 0; break;
        case 0x2e: in.seg = 1; break;
        case 0x36: in.seg = 2; break;
        case 0x3e: in.seg = 3; break;
        case 0x64: in.seg = 4; break;
        case 0x65: in.seg = 5; break;
        case 0xf0: in.lock = true; break;
        case 0xf2: case 0xf3:
            return refuse(why, INSN_BAD, "REP/REPNE prefix");
        default:
            if (mode64 && (opc & 0xf0) == 0x40) {
                rex = opc & 0xf;        /* a later REX replaces it */
                rex_present = true;
                continue;
            }
            goto opcode;
        }
        rex = 0;                        /* a legacy prefix after REX: that REX is ignored */
        rex_present = false;
    }

opcode:;
    unsigned opsize;
    if (mode64)
        opsize = rex & REX_W ? 8 : opsize_prefix ? 2 : 4;
    else
        opsize = (mode == INSN_MODE32) != opsize_prefix ? 4 : 2;
    if (mode64)
        in.addr_size = addr_prefix ? 4 : 8;
    else
        in.addr_size = (mode == INSN_MODE32) != addr_prefix ? 4 : 2;

    if (opc < 0x40 && (opc & 7) <= 3) {
        /* ALU r/m,r (dir 0) and r,r/m (dir 1). */
        if (!alu_supported((unsigned)opc >> 3))
            return refuse(why, INSN_BAD, "ADC/SBB not emulated");
        in.op = alu_ops[opc >> 3];
        in.size = (uint8_t)(opc & 1 ? opsize : 1);
        in.mem_dst = !(opc & 2);
        reg = decode_modrm(&d, &in, rex, mode64);
        if (reg < 0)
            goto modrm_failed;
        set_reg(&in, reg, in.size, rex_present);
    } else {
        switch (opc) {
        case 0x84: case 0x85:           /* TEST r/m,r */
        case 0x86: case 0x87:           /* XCHG r/m,r */
        case 0x88: case 0x89:           /* MOV r/m,r */
        case 0x8a: case 0x8b:           /* MOV r,r/m */
            in.op = opc < 0x86 ? INSN_TEST : opc < 0x88 ? INSN_XCHG : INSN_MOV;
            in.size = (uint8_t)(opc & 1 ? opsize : 1);
            in.mem_dst = opc < 0x8a;
            reg = decode_modrm(&d, &in, rex, mode64);
            if (reg < 0)
                goto modrm_failed;
            set_reg(&in, reg, in.size, rex_present);
            break;
        case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
            /* MOV AL/eAX <-> moffs: the offset is address-sized, no ModRM. */
            uint64_t off;
            in.op = INSN_MOV;
            in.size = (uint8_t)(opc & 1 ? opsize : 1);
            in.mem_dst = opc >= 0xa2;
            if (!take(&d, in.addr_size, &off))
                goto short_;
            in.disp = (int64_t)off;
            set_reg(&in, INSN_RAX, in.size, rex_present);
            break;
        }
        case 0xc6: case 0xc7:           /* MOV r/m,imm */
        case 0x80: case 0x81: case 0x83: /* group 1 r/m,imm */
        case 0xf6: case 0xf7: {         /* group 3 */
            in.size = (uint8_t)(opc & 1 ? opsize : 1);
            in.mem_dst = true;
            reg = decode_modrm(&d, &in, rex, mode64);
            if (reg < 0)
                goto modrm_failed;
            unsigned sub = reg & 7, imm_size = in.size == 1 ? 1 : in.size == 2 ? 2 : 4;
            if (opc == 0xc6 || opc == 0xc7) {
                if (sub != 0)
                    return refuse(why, INSN_BAD, "C6/C7 with a ModRM reg field other than /0");
                in.op = INSN_MOV;
            } else if (opc == 0xf6 || opc == 0xf7) {
                if (sub == 2) {
                    in.op = INSN_NOT;
                    imm_size = 0;
                } else if (sub == 0) {
                    in.op = INSN_TEST;
                } else {
                    return refuse(why, INSN_BAD, "group 3 other than TEST and NOT not emulated");
                }
            } else {
                if (!alu_supported(sub))
                    return refuse(why, INSN_BAD, "ADC/SBB not emulated");
                in.op = alu_ops[sub];
                if (opc == 0x83)
                    imm_size = 1;
            }
            if (imm_size) {
                if (!take(&d, imm_size, &imm))
                    goto short_;
                in.has_imm = true;
                in.imm = sign_extend(imm, imm_size);
            }
            break;
        }
        case 0x0f:
            if (!take(&d, 1, &opc))
                goto short_;
            switch (opc) {
            case 0xb6: case 0xb7: case 0xbe: case 0xbf:
                in.op = opc < 0xbe ? INSN_MOVZX : INSN_MOVSX;
                in.size = (uint8_t)(opc & 1 ? 2 : 1);
                reg = decode_modrm(&d, &in, rex, mode64);
                if (reg < 0)
                    goto modrm_failed;
                set_reg(&in, reg, opsize, rex_present);
                break;
            case 0xba: {
                static const enum insn_op bt_ops[4] = { INSN_BT, INSN_BTS, INSN_BTR, INSN_BTC };
                in.size = (uint8_t)opsize;
                in.mem_dst = true;
                reg = decode_modrm(&d, &in, rex, mode64);
                if (reg < 0)
                    goto modrm_failed;
                if ((reg & 7) < 4)
                    return refuse(why, INSN_BAD, "0F BA with a ModRM reg field below /4 is undefined");
                in.op = bt_ops[(reg & 7) - 4];
                if (!take(&d, 1, &imm))
                    goto short_;
                in.has_imm = true;
                in.imm = imm;
                break;
            }
            default:
                return refuse(why, INSN_BAD, "two-byte opcode not emulated");
            }
            break;
        default:
            if (!mode64 && (opc & 0xf0) == 0x40)
                return refuse(why, INSN_BAD, "INC/DEC (REX outside 64-bit mode) not emulated");
            return refuse(why, INSN_BAD, "opcode not emulated");
        }
    }

    if (in.lock && !lockable(&in))
        return refuse(why, INSN_BAD, "LOCK prefix on an instruction that cannot be locked (#UD)");
    switch (in.op) {
    case INSN_MOV:
        in.mem_read = !in.mem_dst;
        in.mem_write = in.mem_dst;
        break;
    case INSN_CMP: case INSN_TEST: case INSN_BT: case INSN_MOVZX: case INSN_MOVSX:
        in.mem_read = true;
        break;
    default:
        in.mem_read = true;
        in.mem_write = in.mem_dst;
        break;
    }
    in.length = (uint8_t)d.pos;
    *out = in;
    return INSN_OK;

modrm_failed:
    if (reg == -1)
        return refuse(why, INSN_BAD, d.why);
short_:
    if (d.past_max)
        return refuse(why, INSN_BAD, "longer than 15 bytes");
    return refuse(why, INSN_SHORT, "instruction runs past the bytes available");
}

/* ---------------------------------------------------------------- emulation */

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t reg_get(const uint64_t regs[16], unsigned reg, bool high8, unsigned size)
{
    uint64_t v = regs[reg & 15];
    return (high8 ? v >> 8 : v) & size_mask(size);
}

/* "General-Purpose Registers in 64-Bit Mode": 32-bit results zero-extend,
 * 8- and 16-bit results leave the other bits alone. */
static uint64_t reg_merge(uint64_t old, bool high8, unsigned size, uint64_t val)
{
    if (high8)
        return (old & ~0xff00ull) | ((val & 0xff) << 8);
    if (size >= 4)
        return val & size_mask(size);
    return (old & ~size_mask(size)) | (val & size_mask(size));
}

static uint64_t parity_flag(uint64_t r)
{
    unsigned p = (unsigned)r & 0xff;
    p ^= p >> 4;
    p ^= p >> 2;
    p ^= p >> 1;
    return p & 1 ? 0 : RFLAGS_PF;       /* set when the low byte has an even number of ones */
}

/* a op b on `size` bytes; the arithmetic flags as the SDM's "Flags
 * Affected" gives them (AF cleared for the logical ops, where it is
 * undefined). */
static uint64_t alu(enum insn_op op, uint64_t a, uint64_t b, unsigned size, uint64_t *flags)
{
    uint64_t mask = size_mask(size), sign = 1ull << (8 * size - 1), r, f = 0;
    a &= mask;
    b &= mask;
    switch (op) {
    case INSN_ADD:
        r = (a + b) & mask;
        if (r < a)
            f |= RFLAGS_CF;
        if ((a ^ r) & (b ^ r) & sign)
            f |= RFLAGS_OF;
        f |= (a ^ b ^ r) & RFLAGS_AF;
        break;
    case INSN_SUB: case INSN_CMP:
        r = (a - b) & mask;
        if (a < b)
            f |= RFLAGS_CF;
        if ((a ^ b) & (a ^ r) & sign)
            f |= RFLAGS_OF;
        f |= (a ^ b ^ r) & RFLAGS_AF;
        break;
    case INSN_OR:
        r = a | b;
        break;
    case INSN_XOR:
        r = a ^ b;
        break;
    default:                            /* AND, TEST */
        r = a & b;
        break;
    }
    f |= parity_flag(r);
    if (!r)
        f |= RFLAGS_ZF;
    if (r & sign)
        f |= RFLAGS_SF;
    *flags = f;
    return r;
}

int insn_emulate(const struct insn *in, uint64_t regs[16], uint64_t *rflags,
                 insn_read_fn read, insn_write_fn write, void *ctx)
{
    unsigned size = in->size, reg = in->reg & 15;
    uint64_t mask = size_mask(size), mem = 0, mem_out = 0, flags = *rflags;
    uint64_t reg_val = in->has_reg ? reg_get(regs, reg, in->reg_high8, in->reg_size) : 0;
    uint64_t src = in->has_imm ? in->imm : reg_val;
    bool reg_write = false;
    uint64_t reg_out = 0, f;

    if (in->mem_read && read(ctx, size, &mem))
        return -1;
    mem &= mask;

    switch (in->op) {
    case INSN_MOV:
        if (in->mem_dst) {
            mem_out = src;
        } else {
            reg_out = mem;
            reg_write = true;
        }
        break;
    case INSN_MOVZX:
        reg_out = mem;
        reg_write = true;
        break;
    case INSN_MOVSX:
        reg_out = sign_extend(mem, size);
        reg_write = true;
        break;
    case INSN_ADD: case INSN_OR: case INSN_AND: case INSN_SUB: case INSN_XOR:
    case INSN_CMP: case INSN_TEST: {
        uint64_t r = in->mem_dst ? alu(in->op, mem, src, size, &f)
                                 : alu(in->op, reg_val, mem, size, &f);
        flags = (flags & ~RFLAGS_ARITH) | f;
        if (in->op == INSN_CMP || in->op == INSN_TEST)
            break;
        if (in->mem_dst) {
            mem_out = r;
        } else {
            reg_out = r;
            reg_write = true;
        }
        break;
    }
    case INSN_XCHG:
        mem_out = reg_val;
        reg_out = mem;
        reg_write = true;
        break;
    case INSN_BT: case INSN_BTS: case INSN_BTR: case INSN_BTC: {
        /* An immediate bit offset is taken modulo the operand size
         * ("BT—Bit Test"). Only CF is defined; the others are left. */
        uint64_t bit = 1ull << (in->imm & (8 * size - 1));
        flags = (flags & ~RFLAGS_CF) | (mem & bit ? RFLAGS_CF : 0);
        mem_out = in->op == INSN_BTS ? mem | bit : in->op == INSN_BTR ? mem & ~bit : mem ^ bit;
        break;
    }
    case INSN_NOT:
        mem_out = ~mem;
        break;
    }

    if (in->mem_write && write(ctx, size, mem_out & mask))
        return -1;
    if (reg_write)
        regs[reg] = reg_merge(regs[reg], in->reg_high8, in->reg_size, reg_out);
    *rflags = flags;
    return 0;
}

const char *insn_op_name(enum insn_op op)
{
    static const char *const names[] = {
        [INSN_MOV] = "mov", [INSN_MOVZX] = "movzx", [INSN_MOVSX] = "movsx",
        [INSN_ADD] = "add", [INSN_OR] = "or", [INSN_AND] = "and", [INSN_SUB] = "sub",
        [INSN_XOR] = "xor", [INSN_CMP] = "cmp", [INSN_TEST] = "test", [INSN_XCHG] = "xchg",
        [INSN_BT] = "bt", [INSN_BTS] = "bts", [INSN_BTR] = "btr", [INSN_BTC] = "btc",
        [INSN_NOT] = "not",
    };
    return (unsigned)op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op] : "?";
}
