/* Decode and emulate the few x86 instructions a guest uses on a device
 * register: MOV, MOVZX/MOVSX, the ALU read-modify-write forms, TEST,
 * XCHG, BT/BTS/BTR/BTC imm8 and NOT, each with one memory operand. Used
 * for MMIO: an EPT violation gives the guest-physical address, so only the
 * instruction's length, size and register or immediate operand matter.
 * Pure: unit-tested and fuzzed on the host. SDM Vol. 2, "Instruction
 * Format" and "Opcode Map". */
#ifndef KEEL_VMX_INSN_DECODE_H
#define KEEL_VMX_INSN_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#define INSN_MAX_LEN 15                 /* longer is #GP ("Instruction Format") */

/* Default operand and address size: the code segment's D bit or, in
 * IA-32e mode, its L bit. Real and virtual-8086 mode are MODE16. */
enum insn_mode { INSN_MODE16, INSN_MODE32, INSN_MODE64 };

enum insn_op {
    INSN_MOV,           /* 88 89 8A 8B C6/0 C7/0 A0-A3 */
    INSN_MOVZX,         /* 0F B6 0F B7: memory (size) zero-extended into reg (reg_size) */
    INSN_MOVSX,         /* 0F BE 0F BF: sign-extended */
    INSN_ADD, INSN_OR, INSN_AND, INSN_SUB, INSN_XOR, INSN_CMP,
    INSN_TEST,          /* 84 85 F6/0 F7/0 */
    INSN_XCHG,          /* 86 87 */
    INSN_BT, INSN_BTS, INSN_BTR, INSN_BTC,      /* 0F BA /4-/7 ib */
    INSN_NOT,           /* F6/2 F7/2 */
};

/* Register numbers in encoding order, as regs[] of insn_emulate() uses. */
enum insn_reg {
    INSN_RAX, INSN_RCX, INSN_RDX, INSN_RBX, INSN_RSP, INSN_RBP, INSN_RSI, INSN_RDI,
    INSN_R8, INSN_R9, INSN_R10, INSN_R11, INSN_R12, INSN_R13, INSN_R14, INSN_R15,
};

/* The memory operand's effective-address parts, for a caller that wants
 * to check them against the exit's guest-linear address. */
#define INSN_NO_REG  (-1)
#define INSN_REG_RIP 16                 /* base of a RIP-relative operand */

struct insn {
    enum insn_op op;
    uint8_t length;         /* bytes, prefixes included: RIP advances by this */
    uint8_t size;           /* memory operand size in bytes: 1, 2, 4 or 8 */
    bool mem_dst;           /* memory is the destination (r/m,reg r/m,imm), else reg is */
    bool mem_read, mem_write;   /* what insn_emulate() does to the memory operand */
    bool has_reg;           /* a register operand: reg, reg_size, reg_high8 */
    uint8_t reg;            /* 0-15, enum insn_reg; AH CH DH BH are 0-3 with reg_high8 */
    bool reg_high8;         /* bits 15:8 of reg (size 1, no REX prefix, encoded 4-7) */
    uint8_t reg_size;       /* register operand size; != size for MOVZX/MOVSX only */
    bool has_imm;
    uint64_t imm;           /* sign-extended to 64 bits as the SDM says for the form */
    uint8_t addr_size;      /* 2, 4 or 8 */
    int8_t base, index;     /* register numbers, INSN_NO_REG, or base INSN_REG_RIP */
    uint8_t scale;          /* 1 2 4 8 */
    int64_t disp;           /* sign-extended; a moffs is zero-extended */
    int8_t seg;             /* override 0-5 = ES CS SS DS FS GS, or -1 (not used here) */
    bool lock;
};

enum insn_status {
    INSN_OK = 0,
    INSN_BAD = -1,          /* not one of the forms above, or invalid: *why says which */
    INSN_SHORT = -2,        /* runs past `avail`: fetch more bytes and decode again */
};

/* Decode the instruction at bytes[0..avail). Never reads past `avail`
 * (nor past INSN_MAX_LEN). On failure *why (when `why` is not NULL) is a
 * static string saying what was refused. */
enum insn_status insn_decode(const uint8_t *bytes, unsigned avail, enum insn_mode mode,
                             struct insn *out, const char **why);

/* Device access callbacks: size is 1, 2, 4 or 8; return 0, or non-zero
 * when the access fails. `read` stores the value zero-extended. */
typedef int (*insn_read_fn)(void *ctx, unsigned size, uint64_t *val);
typedef int (*insn_write_fn)(void *ctx, unsigned size, uint64_t val);

/* Carry out a decoded instruction whose memory operand is a device.
 * regs[16] are the guest's general registers in encoding order; a 32-bit
 * register result zero-extends to 64 bits, 8- and 16-bit results merge.
 * *rflags gets CF PF AF ZF SF OF as the SDM gives them for each op (AF
 * is cleared where the SDM calls it undefined; BT* change only CF; MOV,
 * XCHG and NOT none). The memory is read at most once and written at most
 * once, read first. Returns 0, or -1 when a callback fails: then regs and
 * *rflags are unchanged (a failed write may follow a successful read). */
int insn_emulate(const struct insn *in, uint64_t regs[16], uint64_t *rflags,
                 insn_read_fn read, insn_write_fn write, void *ctx);

/* "mov", "add", ...: for logs. */
const char *insn_op_name(enum insn_op op);

#endif
