// unit: vmx/insn_decode.c
/* The MMIO instruction decoder against encodings taken from GNU as and
 * objdump (all three modes), and its emulation against the host CPU's own
 * ALU flags. */
#include "vmx/insn_decode.h"
#include "unit.h"

#define M16 INSN_MODE16
#define M32 INSN_MODE32
#define M64 INSN_MODE64
#define NONE 0xff               /* no register operand */
#define NOIMM 0x5a5a5a5a5a5a5a5aull

static struct insn in;
static const char *why;

/* Decode from a heap copy of exactly `n` bytes, so ASan catches a read
 * past what the decoder was given. */
static enum insn_status dec(enum insn_mode mode, const uint8_t *b, unsigned n)
{
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, b, n);
    memset(&in, 0xa5, sizeof(in));
    why = NULL;
    enum insn_status st = insn_decode(copy, n, mode, &in, &why);
    free(copy);
    return st;
}

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* ------------------------------------------------------------ encodings */

struct enc {
    const char *text;
    enum insn_mode mode;
    uint8_t b[15];
    unsigned n;
    enum insn_op op;
    unsigned size;
    unsigned reg;               /* NONE: no register operand */
    bool high8;
    unsigned reg_size;
    bool mem_dst;
    uint64_t imm;               /* NOIMM: none */
};

#define E(text, mode, op, size, reg, high8, reg_size, dst, imm, ...) \
    { text, mode, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), op, size, reg, high8, \
      reg_size, dst, imm }

static const struct enc encs[] = {
    /* 64-bit mode (as --64, objdump -d) */
    E("mov [rax],ecx", M64, INSN_MOV, 4, INSN_RCX, 0, 4, 1, NOIMM, 0x89, 0x08),
    E("mov [rax],rcx", M64, INSN_MOV, 8, INSN_RCX, 0, 8, 1, NOIMM, 0x48, 0x89, 0x08),
    E("mov [r8+r9*4+0x10],r10d", M64, INSN_MOV, 4, INSN_R10, 0, 4, 1, NOIMM,
      0x47, 0x89, 0x54, 0x88, 0x10),
    E("mov [rbx],ah", M64, INSN_MOV, 1, INSN_RAX, 1, 1, 1, NOIMM, 0x88, 0x23),
    E("mov [rbx],spl", M64, INSN_MOV, 1, INSN_RSP, 0, 1, 1, NOIMM, 0x40, 0x88, 0x23),
    E("mov [rbx],r15b", M64, INSN_MOV, 1, INSN_R15, 0, 1, 1, NOIMM, 0x44, 0x88, 0x3b),
    E("mov sil,[rax]", M64, INSN_MOV, 1, INSN_RSI, 0, 1, 0, NOIMM, 0x40, 0x8a, 0x30),
    E("mov dh,[rax]", M64, INSN_MOV, 1, INSN_RDX, 1, 1, 0, NOIMM, 0x8a, 0x30),
    E("mov ax,[rsp]", M64, INSN_MOV, 2, INSN_RAX, 0, 2, 0, NOIMM, 0x66, 0x8b, 0x04, 0x24),
    E("mov eax,[rbp+0]", M64, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM, 0x8b, 0x45, 0x00),
    E("mov r12,[r13+0x12345678]", M64, INSN_MOV, 8, INSN_R12, 0, 8, 0, NOIMM,
      0x4d, 0x8b, 0xa5, 0x78, 0x56, 0x34, 0x12),
    E("mov ecx,[rip+0x100]", M64, INSN_MOV, 4, INSN_RCX, 0, 4, 0, NOIMM,
      0x8b, 0x0d, 0x00, 0x01, 0x00, 0x00),
    E("mov dword [rip+0x100],0x12345678", M64, INSN_MOV, 4, NONE, 0, 0, 1, 0x12345678,
      0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
    E("mov qword [rax],-1", M64, INSN_MOV, 8, NONE, 0, 0, 1, ~0ull,
      0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
    E("mov word [rax+rbx*8-8],0x1234", M64, INSN_MOV, 2, NONE, 0, 0, 1, 0x1234,
      0x66, 0xc7, 0x44, 0xd8, 0xf8, 0x34, 0x12),
    E("mov byte [rdi],0x80", M64, INSN_MOV, 1, NONE, 0, 0, 1, 0xffffffffffffff80ull,
      0xc6, 0x07, 0x80),
    E("movabs al,[0x1122334455667788]", M64, INSN_MOV, 1, INSN_RAX, 0, 1, 0, NOIMM,
      0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
    E("movabs [0x1122334455667788],rax", M64, INSN_MOV, 8, INSN_RAX, 0, 8, 1, NOIMM,
      0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
    E("mov eax,[0x11223344] (67 moffs32)", M64, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM,
      0x67, 0xa1, 0x44, 0x33, 0x22, 0x11),
    E("movzx eax,byte [rsi]", M64, INSN_MOVZX, 1, INSN_RAX, 0, 4, 0, NOIMM, 0x0f, 0xb6, 0x06),
    E("movzx r9,word [rsi+rdi*2]", M64, INSN_MOVZX, 2, INSN_R9, 0, 8, 0, NOIMM,
      0x4c, 0x0f, 0xb7, 0x0c, 0x7e),
    E("movsx ecx,byte [rdx]", M64, INSN_MOVSX, 1, INSN_RCX, 0, 4, 0, NOIMM, 0x0f, 0xbe, 0x0a),
    E("movsx rcx,word [rdx]", M64, INSN_MOVSX, 2, INSN_RCX, 0, 8, 0, NOIMM,
      0x48, 0x0f, 0xbf, 0x0a),
    E("movsx ax,byte [rdx]", M64, INSN_MOVSX, 1, INSN_RAX, 0, 2, 0, NOIMM,
      0x66, 0x0f, 0xbe, 0x02),
    E("add [rax],ecx", M64, INSN_ADD, 4, INSN_RCX, 0, 4, 1, NOIMM, 0x01, 0x08),
    E("or [rax],cl", M64, INSN_OR, 1, INSN_RCX, 0, 1, 1, NOIMM, 0x08, 0x08),
    E("and rdx,[rax]", M64, INSN_AND, 8, INSN_RDX, 0, 8, 0, NOIMM, 0x48, 0x23, 0x10),
    E("sub r8w,[rax]", M64, INSN_SUB, 2, INSN_R8, 0, 2, 0, NOIMM, 0x66, 0x44, 0x2b, 0x00),
    E("xor [rax+rcx*8+0x11223344],r9", M64, INSN_XOR, 8, INSN_R9, 0, 8, 1, NOIMM,
      0x4c, 0x31, 0x8c, 0xc8, 0x44, 0x33, 0x22, 0x11),
    E("cmp r15b,[rax]", M64, INSN_CMP, 1, INSN_R15, 0, 1, 0, NOIMM, 0x44, 0x3a, 0x38),
    E("sub dword [rax],0x1000", M64, INSN_SUB, 4, NONE, 0, 0, 1, 0x1000,
      0x81, 0x28, 0x00, 0x10, 0x00, 0x00),
    E("xor byte [rax],0xff", M64, INSN_XOR, 1, NONE, 0, 0, 1, ~0ull, 0x80, 0x30, 0xff),
    E("cmp dword [rax],-1", M64, INSN_CMP, 4, NONE, 0, 0, 1, ~0ull, 0x83, 0x38, 0xff),
    E("add qword [rax],0x7f", M64, INSN_ADD, 8, NONE, 0, 0, 1, 0x7f, 0x48, 0x83, 0x00, 0x7f),
    E("and word [rax],0xfff0 (83 ib)", M64, INSN_AND, 2, NONE, 0, 0, 1, ~0xfull,
      0x66, 0x83, 0x20, 0xf0),
    E("cmp qword [rax+0x7f],0x7fffffff", M64, INSN_CMP, 8, NONE, 0, 0, 1, 0x7fffffff,
      0x48, 0x81, 0x78, 0x7f, 0xff, 0xff, 0xff, 0x7f),
    E("test dword [rax],0x80000000", M64, INSN_TEST, 4, NONE, 0, 0, 1, 0xffffffff80000000ull,
      0xf7, 0x00, 0x00, 0x00, 0x00, 0x80),
    E("test [rax],bh", M64, INSN_TEST, 1, INSN_RBX, 1, 1, 1, NOIMM, 0x84, 0x38),
    E("xchg [rax],r11", M64, INSN_XCHG, 8, INSN_R11, 0, 8, 1, NOIMM, 0x4c, 0x87, 0x18),
    E("lock or dword [rax],1", M64, INSN_OR, 4, NONE, 0, 0, 1, 1, 0xf0, 0x83, 0x08, 0x01),
    E("lock bts dword [rax],31", M64, INSN_BTS, 4, NONE, 0, 0, 1, 31,
      0xf0, 0x0f, 0xba, 0x28, 0x1f),
    E("bt qword [rax],63", M64, INSN_BT, 8, NONE, 0, 0, 1, 63, 0x48, 0x0f, 0xba, 0x20, 0x3f),
    E("btr word [rax],3", M64, INSN_BTR, 2, NONE, 0, 0, 1, 3, 0x66, 0x0f, 0xba, 0x30, 0x03),
    E("btc dword [rax],5", M64, INSN_BTC, 4, NONE, 0, 0, 1, 5, 0x0f, 0xba, 0x38, 0x05),
    E("not byte [rax]", M64, INSN_NOT, 1, NONE, 0, 0, 1, NOIMM, 0xf6, 0x10),
    E("not qword [r15]", M64, INSN_NOT, 8, NONE, 0, 0, 1, NOIMM, 0x49, 0xf7, 0x17),
    E("mov eax,fs:[rax]", M64, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM, 0x64, 0x8b, 0x00),
    E("mov eax,[eax]", M64, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM, 0x67, 0x8b, 0x00),
    E("mov [rsp+rax],al", M64, INSN_MOV, 1, INSN_RAX, 0, 1, 1, NOIMM, 0x88, 0x04, 0x04),
    E("mov eax,[0x1000]", M64, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM,
      0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00),
    E("mov eax,[r12]", M64, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM, 0x41, 0x8b, 0x04, 0x24),
    E("mov eax,[r13+0]", M64, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM, 0x41, 0x8b, 0x45, 0x00),
    E("mov qword [fs:rax+r12*8+0x12345678],-2 (15 bytes)", M64, INSN_MOV, 8, NONE, 0, 0, 1,
      ~1ull, 0x64, 0x67, 0x3e, 0x4a, 0xc7, 0x84, 0xe0, 0x78, 0x56, 0x34, 0x12, 0xfe, 0xff,
      0xff, 0xff),

    /* 32-bit mode (as --32) */
    E("mov [eax],ecx", M32, INSN_MOV, 4, INSN_RCX, 0, 4, 1, NOIMM, 0x89, 0x08),
    E("mov [ebp+esi*2-4],dx", M32, INSN_MOV, 2, INSN_RDX, 0, 2, 1, NOIMM,
      0x66, 0x89, 0x54, 0x75, 0xfc),
    E("mov [ebx],ah", M32, INSN_MOV, 1, INSN_RAX, 1, 1, 1, NOIMM, 0x88, 0x23),
    E("mov eax,[0x12345678]", M32, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM,
      0xa1, 0x78, 0x56, 0x34, 0x12),
    E("mov ax,[0x12345678]", M32, INSN_MOV, 2, INSN_RAX, 0, 2, 0, NOIMM,
      0x66, 0xa1, 0x78, 0x56, 0x34, 0x12),
    E("mov [0x12345678],al", M32, INSN_MOV, 1, INSN_RAX, 0, 1, 1, NOIMM,
      0xa2, 0x78, 0x56, 0x34, 0x12),
    E("mov ax,[0x1234] (67 moffs16)", M32, INSN_MOV, 2, INSN_RAX, 0, 2, 0, NOIMM,
      0x66, 0x67, 0xa1, 0x34, 0x12),
    E("mov dword [0xfee000b0],0", M32, INSN_MOV, 4, NONE, 0, 0, 1, 0,
      0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
    E("movzx eax,word [esi]", M32, INSN_MOVZX, 2, INSN_RAX, 0, 4, 0, NOIMM, 0x0f, 0xb7, 0x06),
    E("movsx edx,byte [edi+1]", M32, INSN_MOVSX, 1, INSN_RDX, 0, 4, 0, NOIMM,
      0x0f, 0xbe, 0x57, 0x01),
    E("add word [eax],0x1234", M32, INSN_ADD, 2, NONE, 0, 0, 1, 0x1234,
      0x66, 0x81, 0x00, 0x34, 0x12),
    E("and dword [ebx+0x10],0xfffffffe", M32, INSN_AND, 4, NONE, 0, 0, 1, ~1ull,
      0x83, 0x63, 0x10, 0xfe),
    E("or byte [ecx],2", M32, INSN_OR, 1, NONE, 0, 0, 1, 2, 0x80, 0x09, 0x02),
    E("mov eax,[bx+si]", M32, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM, 0x67, 0x8b, 0x00),
    E("mov eax,[bp+di+0x10]", M32, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM, 0x67, 0x8b, 0x43, 0x10),
    E("mov eax,es:[esp]", M32, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM, 0x26, 0x8b, 0x04, 0x24),
    E("lock xchg [eax],edi", M32, INSN_XCHG, 4, INSN_RDI, 0, 4, 1, NOIMM, 0xf0, 0x87, 0x38),
    E("test byte [eax],1", M32, INSN_TEST, 1, NONE, 0, 0, 1, 1, 0xf6, 0x00, 0x01),
    E("not word [eax]", M32, INSN_NOT, 2, NONE, 0, 0, 1, NOIMM, 0x66, 0xf7, 0x10),
    E("cmp [eax],esi", M32, INSN_CMP, 4, INSN_RSI, 0, 4, 1, NOIMM, 0x39, 0x30),

    /* 16-bit mode (as --32 .code16, objdump -M i8086) */
    E("mov [bx+si],ax", M16, INSN_MOV, 2, INSN_RAX, 0, 2, 1, NOIMM, 0x89, 0x00),
    E("mov [bp+di+0x10],cx", M16, INSN_MOV, 2, INSN_RCX, 0, 2, 1, NOIMM, 0x89, 0x4b, 0x10),
    E("mov [bp+0],dl", M16, INSN_MOV, 1, INSN_RDX, 0, 1, 1, NOIMM, 0x88, 0x56, 0x00),
    E("mov ax,[0x1234]", M16, INSN_MOV, 2, INSN_RAX, 0, 2, 0, NOIMM, 0xa1, 0x34, 0x12),
    E("mov eax,[0x1234]", M16, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM, 0x66, 0xa1, 0x34, 0x12),
    E("mov eax,[0x12345678] (67 moffs32)", M16, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM,
      0x66, 0x67, 0xa1, 0x78, 0x56, 0x34, 0x12),
    E("mov ax,[si+0x1234]", M16, INSN_MOV, 2, INSN_RAX, 0, 2, 0, NOIMM, 0x8b, 0x84, 0x34, 0x12),
    E("mov word [bx],0x5678", M16, INSN_MOV, 2, NONE, 0, 0, 1, 0x5678, 0xc7, 0x07, 0x78, 0x56),
    E("mov dword [bx],0x12345678", M16, INSN_MOV, 4, NONE, 0, 0, 1, 0x12345678,
      0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12),
    E("movzx eax,byte [di]", M16, INSN_MOVZX, 1, INSN_RAX, 0, 4, 0, NOIMM, 0x66, 0x0f, 0xb6, 0x05),
    E("movzx ax,byte [di]", M16, INSN_MOVZX, 1, INSN_RAX, 0, 2, 0, NOIMM, 0x0f, 0xb6, 0x05),
    E("mov al,[0x100]", M16, INSN_MOV, 1, INSN_RAX, 0, 1, 0, NOIMM, 0xa0, 0x00, 0x01),
    E("mov eax,[eax+ecx*4+8]", M16, INSN_MOV, 4, INSN_RAX, 0, 4, 0, NOIMM,
      0x67, 0x66, 0x8b, 0x44, 0x88, 0x08),
    E("cmp word [bx],7", M16, INSN_CMP, 2, NONE, 0, 0, 1, 7, 0x83, 0x3f, 0x07),
    E("cmp byte [bx+di],0x80", M16, INSN_CMP, 1, NONE, 0, 0, 1, 0xffffffffffffff80ull,
      0x80, 0x39, 0x80),
    E("xor [si],bh", M16, INSN_XOR, 1, INSN_RBX, 1, 1, 1, NOIMM, 0x30, 0x3c),
    E("bts word [bx],15", M16, INSN_BTS, 2, NONE, 0, 0, 1, 15, 0x0f, 0xba, 0x2f, 0x0f),
};
#define NENCS (sizeof(encs) / sizeof(encs[0]))

static void check_enc(const struct enc *e)
{
    enum insn_status st = dec(e->mode, e->b, e->n);
    if (st != INSN_OK) {
        UNIT_FAIL("%s: status %d (%s)", e->text, st, why ? why : "no reason");
        return;
    }
    bool ok = in.length == e->n && in.op == e->op && in.size == e->size &&
              in.mem_dst == e->mem_dst && in.has_imm == (e->imm != NOIMM) &&
              (e->imm == NOIMM || in.imm == e->imm) && in.has_reg == (e->reg != NONE) &&
              (e->reg == NONE || (in.reg == e->reg && in.reg_high8 == e->high8 &&
                                  in.reg_size == e->reg_size));
    if (!ok)
        UNIT_FAIL("%s: length %u op %s size %u dst %d reg %d/%u high8 %d reg_size %u imm %d/0x%llx",
                  e->text, in.length, insn_op_name(in.op), in.size, in.mem_dst, in.has_reg,
                  in.reg, in.reg_high8, in.reg_size, in.has_imm, (unsigned long long)in.imm);
}

TEST(encodings_in_all_three_modes)
{
    for (unsigned i = 0; i < NENCS; i++)
        check_enc(&encs[i]);
}

/* Every proper prefix of a good encoding is short, and the decoder reads
 * none of the bytes it was not given (the heap copy is exactly that long). */
TEST(truncated_input_is_short_and_never_overread)
{
    for (unsigned i = 0; i < NENCS; i++) {
        for (unsigned n = 0; n < encs[i].n; n++) {
            enum insn_status st = dec(encs[i].mode, encs[i].b, n);
            if (st != INSN_SHORT)
                UNIT_FAIL("%s cut to %u bytes: status %d", encs[i].text, n, st);
            else
                CHECK_HAS(why, "past the bytes available");
        }
    }
    /* More bytes than the instruction: only its own are taken. */
    uint8_t buf[64];
    memset(buf, 0x90, sizeof(buf));
    memcpy(buf, encs[0].b, encs[0].n);
    CHECK_EQ(dec(M64, buf, sizeof(buf)), INSN_OK);
    CHECK_EQ(in.length, encs[0].n);
}

TEST(what_the_memory_operand_sees)
{
    CHECK_EQ(dec(M64, BYTES(0x89, 0x08)), INSN_OK);                  /* mov store */
    CHECK(!in.mem_read && in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0x8b, 0x08)), INSN_OK);                  /* mov load */
    CHECK(in.mem_read && !in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0x01, 0x08)), INSN_OK);                  /* add [m],r */
    CHECK(in.mem_read && in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0x03, 0x08)), INSN_OK);                  /* add r,[m] */
    CHECK(in.mem_read && !in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0x39, 0x08)), INSN_OK);                  /* cmp */
    CHECK(in.mem_read && !in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0x85, 0x08)), INSN_OK);                  /* test */
    CHECK(in.mem_read && !in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0x87, 0x08)), INSN_OK);                  /* xchg */
    CHECK(in.mem_read && in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0x0f, 0xba, 0x20, 0x01)), INSN_OK);      /* bt */
    CHECK(in.mem_read && !in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0x0f, 0xba, 0x28, 0x01)), INSN_OK);      /* bts */
    CHECK(in.mem_read && in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0xf7, 0x10)), INSN_OK);                  /* not */
    CHECK(in.mem_read && in.mem_write);
    CHECK_EQ(dec(M64, BYTES(0x0f, 0xb6, 0x08)), INSN_OK);            /* movzx */
    CHECK(in.mem_read && !in.mem_write);
}

/* ------------------------------------------------------------ addressing */

static void check_ea(int base, int index, unsigned scale, int64_t disp, unsigned addr_size)
{
    CHECK_EQ(in.base, base);
    CHECK_EQ(in.index, index);
    CHECK_EQ(in.scale, scale);
    CHECK_EQ(in.disp, disp);
    CHECK_EQ(in.addr_size, addr_size);
}

TEST(modrm_sib_and_displacements_64)
{
    CHECK_EQ(dec(M64, BYTES(0x47, 0x89, 0x54, 0x88, 0x10)), INSN_OK);   /* [r8+r9*4+0x10] */
    check_ea(INSN_R8, INSN_R9, 4, 0x10, 8);
    CHECK_EQ(dec(M64, BYTES(0x66, 0xc7, 0x44, 0xd8, 0xf8, 0x34, 0x12)), INSN_OK); /* [rax+rbx*8-8] */
    check_ea(INSN_RAX, INSN_RBX, 8, -8, 8);
    CHECK_EQ(dec(M64, BYTES(0x8b, 0x0d, 0x00, 0x01, 0x00, 0x00)), INSN_OK);       /* [rip+0x100] */
    check_ea(INSN_REG_RIP, INSN_NO_REG, 1, 0x100, 8);
    CHECK_EQ(dec(M64, BYTES(0x67, 0x8b, 0x0d, 0xfc, 0xff, 0xff, 0xff)), INSN_OK); /* [eip-4] */
    check_ea(INSN_REG_RIP, INSN_NO_REG, 1, -4, 4);
    CHECK_EQ(dec(M64, BYTES(0x66, 0x8b, 0x04, 0x24)), INSN_OK);                   /* [rsp] */
    check_ea(INSN_RSP, INSN_NO_REG, 1, 0, 8);
    CHECK_EQ(dec(M64, BYTES(0x8b, 0x45, 0x00)), INSN_OK);                         /* [rbp+0] */
    check_ea(INSN_RBP, INSN_NO_REG, 1, 0, 8);
    CHECK_EQ(dec(M64, BYTES(0x41, 0x8b, 0x45, 0x00)), INSN_OK);                   /* [r13+0] */
    check_ea(INSN_R13, INSN_NO_REG, 1, 0, 8);
    CHECK_EQ(dec(M64, BYTES(0x41, 0x8b, 0x04, 0x24)), INSN_OK);                   /* [r12] */
    check_ea(INSN_R12, INSN_NO_REG, 1, 0, 8);
    CHECK_EQ(dec(M64, BYTES(0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00)), INSN_OK); /* [0x1000] */
    check_ea(INSN_NO_REG, INSN_NO_REG, 1, 0x1000, 8);
    CHECK_EQ(dec(M64, BYTES(0x42, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00)), INSN_OK);
    check_ea(INSN_NO_REG, INSN_R12, 1, 0x1000, 8);     /* REX.X makes index 100b r12 */
    CHECK_EQ(dec(M64, BYTES(0x8b, 0x44, 0x25, 0x80)), INSN_OK);                   /* [rbp+0*1-128] */
    check_ea(INSN_RBP, INSN_NO_REG, 1, -128, 8);
    CHECK_EQ(dec(M64, BYTES(0x8b, 0x80, 0x00, 0x00, 0x00, 0x80)), INSN_OK);       /* [rax-2^31] */
    check_ea(INSN_RAX, INSN_NO_REG, 1, -2147483648ll, 8);
    CHECK_EQ(dec(M64, BYTES(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11)), INSN_OK);
    check_ea(INSN_NO_REG, INSN_NO_REG, 1, 0x1122334455667788ll, 8);
    CHECK_EQ(dec(M64, BYTES(0x67, 0xa1, 0x00, 0x00, 0x00, 0xfe)), INSN_OK);       /* moffs32 */
    check_ea(INSN_NO_REG, INSN_NO_REG, 1, 0xfe000000ll, 4);                       /* zero-extended */
}

TEST(modrm_16_and_32_bit_addressing)
{
    CHECK_EQ(dec(M32, BYTES(0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0, 0, 0, 0)), INSN_OK);
    check_ea(INSN_NO_REG, INSN_NO_REG, 1, (int32_t)0xfee000b0, 4);  /* disp32, not RIP-relative */
    CHECK_EQ(dec(M32, BYTES(0x66, 0x89, 0x54, 0x75, 0xfc)), INSN_OK);
    check_ea(INSN_RBP, INSN_RSI, 2, -4, 4);
    CHECK_EQ(dec(M32, BYTES(0x40, 0x89, 0x08)), INSN_BAD);       /* 40 is INC EAX here */
    CHECK_HAS(why, "INC/DEC");
    CHECK_EQ(dec(M16, BYTES(0x89, 0x4b, 0x10)), INSN_OK);        /* [bp+di+0x10] */
    check_ea(INSN_RBP, INSN_RDI, 1, 0x10, 2);
    CHECK_EQ(dec(M16, BYTES(0x8b, 0x84, 0x34, 0x12)), INSN_OK);  /* [si+0x1234] */
    check_ea(INSN_RSI, INSN_NO_REG, 1, 0x1234, 2);
    CHECK_EQ(dec(M16, BYTES(0x8b, 0x06, 0x34, 0x12)), INSN_OK);  /* [0x1234] */
    check_ea(INSN_NO_REG, INSN_NO_REG, 1, 0x1234, 2);
    CHECK_EQ(dec(M16, BYTES(0x8b, 0x86, 0x00, 0x80)), INSN_OK);  /* [bp-0x8000] */
    check_ea(INSN_RBP, INSN_NO_REG, 1, -0x8000, 2);
    CHECK_EQ(dec(M16, BYTES(0x8b, 0x47, 0xff)), INSN_OK);        /* [bx-1] */
    check_ea(INSN_RBX, INSN_NO_REG, 1, -1, 2);
    CHECK_EQ(dec(M16, BYTES(0x67, 0x66, 0x8b, 0x44, 0x88, 0x08)), INSN_OK);
    check_ea(INSN_RAX, INSN_RCX, 4, 8, 4);
    CHECK_EQ(dec(M32, BYTES(0x67, 0x8b, 0x06, 0x34, 0x12)), INSN_OK);   /* 67: [0x1234] */
    check_ea(INSN_NO_REG, INSN_NO_REG, 1, 0x1234, 2);
    CHECK_EQ(in.length, 5);
}

/* ------------------------------------------------------------ prefixes */

TEST(prefixes_and_rex)
{
    CHECK_EQ(dec(M64, BYTES(0x64, 0x8b, 0x00)), INSN_OK);
    CHECK_EQ(in.seg, 4);
    CHECK_EQ(dec(M64, BYTES(0x8b, 0x00)), INSN_OK);
    CHECK_EQ(in.seg, -1);
    CHECK(!in.lock);
    for (uint8_t p = 0x26; p <= 0x3e; p += 8) {
        uint8_t b[] = { p, 0x8b, 0x00 };
        CHECK_EQ(dec(M32, b, 3), INSN_OK);
        CHECK_EQ(in.seg, (p - 0x26) / 8);
        CHECK_EQ(in.length, 3);
    }
    /* 66 and REX.W: REX.W wins. */
    CHECK_EQ(dec(M64, BYTES(0x66, 0x48, 0x89, 0x08)), INSN_OK);
    CHECK_EQ(in.size, 8);
    /* A REX followed by a legacy prefix is ignored. */
    CHECK_EQ(dec(M64, BYTES(0x48, 0x66, 0x89, 0x08)), INSN_OK);
    CHECK_EQ(in.size, 2);
    CHECK_EQ(in.length, 4);
    CHECK_EQ(dec(M64, BYTES(0x44, 0x3e, 0x88, 0x23)), INSN_OK);     /* REX ignored: AH */
    CHECK(in.reg_high8);
    CHECK_EQ(in.reg, INSN_RAX);
    /* Two REX: the last one counts. */
    CHECK_EQ(dec(M64, BYTES(0x41, 0x48, 0x89, 0x08)), INSN_OK);
    CHECK_EQ(in.size, 8);
    CHECK_EQ(in.base, INSN_RAX);
    /* REX.B on moffs does nothing; REX.R, X, B all at once. */
    CHECK_EQ(dec(M64, BYTES(0x4f, 0x89, 0x0c, 0x0a)), INSN_OK);     /* mov [r10+r9],r9 */
    CHECK_EQ(in.reg, INSN_R9);
    CHECK_EQ(in.base, INSN_R10);
    CHECK_EQ(in.index, INSN_R9);
    CHECK_EQ(in.size, 8);
    /* Repeated prefixes are fine while the whole stays within 15 bytes. */
    CHECK_EQ(dec(M64, BYTES(0x66, 0x66, 0x66, 0x2e, 0x3e, 0x89, 0x08)), INSN_OK);
    CHECK_EQ(in.size, 2);
    CHECK_EQ(in.length, 7);
    /* 66 in 16-bit mode gives 32-bit operands; 67 gives 32-bit addresses. */
    CHECK_EQ(dec(M16, BYTES(0x66, 0x89, 0x00)), INSN_OK);
    CHECK_EQ(in.size, 4);
    CHECK_EQ(in.addr_size, 2);
    CHECK_EQ(dec(M16, BYTES(0x67, 0x89, 0x00)), INSN_OK);
    CHECK_EQ(in.size, 2);
    CHECK_EQ(in.addr_size, 4);
    CHECK_EQ(in.base, INSN_RAX);
}

TEST(high8_registers)
{
    static const uint8_t modrm[8] = { 0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38 };
    for (unsigned r = 0; r < 8; r++) {
        CHECK_EQ(dec(M64, (uint8_t[]){ 0x88, modrm[r] }, 2), INSN_OK);   /* mov [rax],r8 */
        CHECK_EQ(in.reg_high8, r >= 4);
        CHECK_EQ(in.reg, r >= 4 ? r - 4 : r);
        CHECK_EQ(dec(M64, (uint8_t[]){ 0x40, 0x88, modrm[r] }, 3), INSN_OK);
        CHECK(!in.reg_high8);                   /* any REX: SPL BPL SIL DIL */
        CHECK_EQ(in.reg, r);
        CHECK_EQ(dec(M16, (uint8_t[]){ 0x88, modrm[r] }, 2), INSN_OK);
        CHECK_EQ(in.reg_high8, r >= 4);
    }
    /* Only byte operands have high-8 registers: 89 /4 is ESP. */
    CHECK_EQ(dec(M64, BYTES(0x89, 0x20)), INSN_OK);
    CHECK(!in.reg_high8);
    CHECK_EQ(in.reg, INSN_RSP);
    /* MOVZX from a byte: the register is the (wide) destination. */
    CHECK_EQ(dec(M64, BYTES(0x0f, 0xb6, 0x20)), INSN_OK);
    CHECK(!in.reg_high8);
    CHECK_EQ(in.reg, INSN_RSP);
}

/* ------------------------------------------------------------ refusals */

TEST(refused_encodings_say_why)
{
    static const struct { const char *text; enum insn_mode mode; uint8_t b[15]; unsigned n;
                          const char *why; } bad[] = {
        { "rep movsb", M64, { 0xf3, 0xa4 }, 2, "REP" },
        { "rep mov [rax],ecx", M64, { 0xf3, 0x89, 0x08 }, 3, "REP" },
        { "repne", M32, { 0xf2, 0x89, 0x08 }, 3, "REP" },
        { "adc [rax],ecx", M64, { 0x11, 0x08 }, 2, "ADC/SBB" },
        { "sbb eax,[rax]", M64, { 0x1b, 0x00 }, 2, "ADC/SBB" },
        { "adc dword [rax],1", M64, { 0x83, 0x10, 0x01 }, 3, "ADC/SBB" },
        { "sbb byte [rax],1", M64, { 0x80, 0x18, 0x01 }, 3, "ADC/SBB" },
        { "mov eax,ecx", M64, { 0x89, 0xc8 }, 2, "register, not memory" },
        { "add al,cl", M32, { 0x00, 0xc8 }, 2, "register, not memory" },
        { "movzx eax,cl", M64, { 0x0f, 0xb6, 0xc1 }, 3, "register, not memory" },
        { "c7 /1", M64, { 0xc7, 0x08, 1, 0, 0, 0 }, 6, "/0" },
        { "neg dword [rax]", M64, { 0xf7, 0x18 }, 2, "group 3" },
        { "mul byte [rax]", M64, { 0xf6, 0x20 }, 2, "group 3" },
        { "f7 /1", M64, { 0xf7, 0x08, 0, 0, 0, 0 }, 6, "group 3" },
        { "0f ba /0", M64, { 0x0f, 0xba, 0x00, 0x01 }, 4, "undefined" },
        { "bt [rax],ecx (0f a3)", M64, { 0x0f, 0xa3, 0x08 }, 3, "two-byte" },
        { "syscall", M64, { 0x0f, 0x05 }, 2, "two-byte" },
        { "nop", M64, { 0x90 }, 1, "not emulated" },
        { "movsxd", M64, { 0x48, 0x63, 0x00 }, 3, "not emulated" },
        { "movs", M32, { 0xa5 }, 1, "not emulated" },
        { "vex mov", M64, { 0xc5, 0xf9, 0x6e, 0x00 }, 4, "not emulated" },
        { "82 /0 alias", M32, { 0x82, 0x00, 0x01 }, 3, "not emulated" },
        { "inc eax", M32, { 0x40 }, 1, "INC/DEC" },
        { "lock mov", M64, { 0xf0, 0x89, 0x08 }, 3, "LOCK" },
        { "lock cmp", M64, { 0xf0, 0x39, 0x08 }, 3, "LOCK" },
        { "lock test", M64, { 0xf0, 0x85, 0x08 }, 3, "LOCK" },
        { "lock bt", M64, { 0xf0, 0x0f, 0xba, 0x20, 0x01 }, 5, "LOCK" },
        { "lock add reg,[m]", M64, { 0xf0, 0x03, 0x08 }, 3, "LOCK" },
        { "lock movzx", M64, { 0xf0, 0x0f, 0xb6, 0x08 }, 4, "LOCK" },
        { "16 bytes", M64, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x64, 0x67, 0x3e, 0x4a, 0xc7, 0x84,
                             0xe0, 0x78, 0x56, 0x34 }, 15, "longer than 15" },
        { "15 prefixes", M32, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                0x66, 0x66, 0x66, 0x66, 0x66 }, 15, "longer than 15" },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum insn_status st = dec(bad[i].mode, bad[i].b, bad[i].n);
        if (st != INSN_BAD)
            UNIT_FAIL("%s: status %d, expected refusal", bad[i].text, st);
        else if (!why || !strstr(why, bad[i].why))
            UNIT_FAIL("%s: why \"%s\", expected \"%s\"", bad[i].text, why ? why : "(null)",
                      bad[i].why);
    }
    /* A NULL `why` is allowed. */
    CHECK_EQ(insn_decode((const uint8_t[]){ 0x90 }, 1, M64, &in, NULL), INSN_BAD);
    CHECK_EQ(insn_decode((const uint8_t[]){ 0x89 }, 1, M64, &in, NULL), INSN_SHORT);
}

/* ------------------------------------------------------------ emulation */

struct dev {
    uint64_t val;
    unsigned reads, writes, size;
    bool fail_read, fail_write;
};

static int dev_read(void *ctx, unsigned size, uint64_t *val)
{
    struct dev *d = ctx;
    d->reads++;
    d->size = size;
    if (d->fail_read)
        return -1;
    *val = size == 8 ? d->val : d->val & ((1ull << (8 * size)) - 1);
    return 0;
}

static int dev_write(void *ctx, unsigned size, uint64_t val)
{
    struct dev *d = ctx;
    d->writes++;
    d->size = size;
    if (d->fail_write)
        return -1;
    if (size < 8 && val >> (8 * size))
        UNIT_FAIL("write of 0x%llx with size %u", (unsigned long long)val, size);
    d->val = val;
    return 0;
}

static uint64_t regs[16], rflags;
static struct dev dv;

static void reset_regs(void)
{
    for (unsigned i = 0; i < 16; i++)
        regs[i] = 0x1111111111111111ull * (i & 0xf) + 0x0123456789abcdefull * (i >> 3);
    rflags = 0x2;
    memset(&dv, 0, sizeof(dv));
}

/* Decode (mode 64) and emulate against dv. */
static int emu(const uint8_t *b, unsigned n)
{
    if (dec(M64, b, n) != INSN_OK) {
        UNIT_FAIL("decode failed: %s", why);
        return -2;
    }
    return insn_emulate(&in, regs, &rflags, dev_read, dev_write, &dv);
}

TEST(register_write_widths)
{
    reset_regs();
    regs[INSN_RCX] = 0xffffffffffffffffull;
    dv.val = 0x8899aabbccddeeffull;
    CHECK_EQ(emu(BYTES(0x8b, 0x08)), 0);                  /* mov ecx,[rax]: zero-extends */
    CHECK_EQ(regs[INSN_RCX], 0xccddeeff);
    CHECK_EQ(dv.size, 4);
    regs[INSN_RCX] = 0xffffffffffffffffull;
    CHECK_EQ(emu(BYTES(0x66, 0x8b, 0x08)), 0);            /* mov cx,[rax]: merges */
    CHECK_EQ(regs[INSN_RCX], 0xffffffffffffeeffull);
    CHECK_EQ(dv.size, 2);
    regs[INSN_RCX] = 0xffffffffffffffffull;
    CHECK_EQ(emu(BYTES(0x8a, 0x08)), 0);                  /* mov cl,[rax] */
    CHECK_EQ(regs[INSN_RCX], ~0ull);                     /* the byte was 0xff */
    dv.val = 0x12;
    CHECK_EQ(emu(BYTES(0x8a, 0x08)), 0);
    CHECK_EQ(regs[INSN_RCX], 0xffffffffffffff12ull);
    CHECK_EQ(emu(BYTES(0x8a, 0x28)), 0);                  /* mov ch,[rax]: bits 15:8 */
    CHECK_EQ(regs[INSN_RCX], 0xffffffffffff1212ull);
    CHECK_EQ(dv.size, 1);
    regs[INSN_RAX] = 0x1122334455667788ull;
    dv.val = 0xab;
    CHECK_EQ(emu(BYTES(0x8a, 0x20)), 0);                  /* mov ah,[rax] */
    CHECK_EQ(regs[INSN_RAX], 0x112233445566ab88ull);
    CHECK_EQ(emu(BYTES(0x40, 0x8a, 0x20)), 0);            /* mov spl,[rax] */
    CHECK_EQ(regs[INSN_RSP] & 0xff, 0xab);
    dv.val = 0xfedcba9876543210ull;
    CHECK_EQ(emu(BYTES(0x4c, 0x8b, 0x38)), 0);            /* mov r15,[rax] */
    CHECK_EQ(regs[INSN_R15], 0xfedcba9876543210ull);
    CHECK_EQ(dv.size, 8);
    CHECK_EQ(dv.writes, 0);
    CHECK_EQ(rflags, 0x2);                                /* MOV leaves flags alone */
}

TEST(mov_stores_do_not_read)
{
    reset_regs();
    regs[INSN_RAX] = 0x1122334455667788ull;
    CHECK_EQ(emu(BYTES(0x88, 0x20)), 0);                  /* mov [rax],ah */
    CHECK_EQ(dv.val, 0x77);
    CHECK_EQ(dv.size, 1);
    CHECK_EQ(emu(BYTES(0x66, 0x89, 0x00)), 0);            /* mov [rax],ax */
    CHECK_EQ(dv.val, 0x7788);
    CHECK_EQ(emu(BYTES(0x89, 0x00)), 0);
    CHECK_EQ(dv.val, 0x55667788);
    CHECK_EQ(emu(BYTES(0x48, 0x89, 0x00)), 0);
    CHECK_EQ(dv.val, 0x1122334455667788ull);
    CHECK_EQ(emu(BYTES(0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80)), 0);     /* imm32 sign-extended */
    CHECK_EQ(dv.val, 0xffffffff80000000ull);
    CHECK_EQ(dv.size, 8);
    CHECK_EQ(emu(BYTES(0xc6, 0x00, 0x80)), 0);
    CHECK_EQ(dv.val, 0x80);
    CHECK_EQ(emu(BYTES(0x66, 0xc7, 0x00, 0xcd, 0xab)), 0);
    CHECK_EQ(dv.val, 0xabcd);
    CHECK_EQ(dv.size, 2);
    CHECK_EQ(emu(BYTES(0x48, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0)), 0);          /* moffs store rax */
    CHECK_EQ(dv.val, 0x1122334455667788ull);
    CHECK_EQ(dv.reads, 0);
    CHECK_EQ(dv.writes, 8);
}

TEST(movzx_movsx_extend)
{
    reset_regs();
    dv.val = 0x80;
    CHECK_EQ(emu(BYTES(0x0f, 0xbe, 0x08)), 0);                    /* movsx ecx,byte */
    CHECK_EQ(regs[INSN_RCX], 0xffffff80ull);
    CHECK_EQ(emu(BYTES(0x48, 0x0f, 0xbe, 0x08)), 0);              /* movsx rcx,byte */
    CHECK_EQ(regs[INSN_RCX], 0xffffffffffffff80ull);
    regs[INSN_RCX] = 0x1111111111111111ull;
    CHECK_EQ(emu(BYTES(0x66, 0x0f, 0xbe, 0x08)), 0);              /* movsx cx,byte: merges */
    CHECK_EQ(regs[INSN_RCX], 0x111111111111ff80ull);
    CHECK_EQ(emu(BYTES(0x0f, 0xb6, 0x08)), 0);                    /* movzx ecx,byte */
    CHECK_EQ(regs[INSN_RCX], 0x80);
    CHECK_EQ(dv.size, 1);
    dv.val = 0x8001;
    CHECK_EQ(emu(BYTES(0x48, 0x0f, 0xbf, 0x08)), 0);              /* movsx rcx,word */
    CHECK_EQ(regs[INSN_RCX], 0xffffffffffff8001ull);
    CHECK_EQ(dv.size, 2);
    CHECK_EQ(emu(BYTES(0x4c, 0x0f, 0xb7, 0x08)), 0);              /* movzx r9,word */
    CHECK_EQ(regs[INSN_R9], 0x8001);
    dv.val = 0x7f;
    CHECK_EQ(emu(BYTES(0x0f, 0xbe, 0x08)), 0);                    /* positive stays */
    CHECK_EQ(regs[INSN_RCX], 0x7f);
    CHECK_EQ(dv.writes, 0);
}

/* The host CPU's own flags for op on a, b (LAHF for SF ZF AF PF CF, SETO
 * for OF: no stack, so no red-zone trouble). */
#define HOST_OP(name, insn, type, mod)                                               \
    static uint64_t host_##name(uint64_t a, uint64_t b, uint64_t *flags)            \
    {                                                                               \
        type x = (type)a, y = (type)b;                                              \
        uint16_t ax;                                                                \
        uint8_t of;                                                                 \
        __asm__(insn " %" mod "3, %" mod "0\n\tlahf\n\tseto %2"                     \
                : "+r"(x), "=&a"(ax), "=&q"(of) : "r"(y) : "cc");                   \
        *flags = ((ax >> 8) & 0xd5) | ((uint64_t)of << 11);                         \
        return x;                                                                   \
    }
#define HOST_OPS(op)                                                                \
    HOST_OP(op##b, #op "b", uint8_t, "b") HOST_OP(op##w, #op "w", uint16_t, "w")    \
    HOST_OP(op##l, #op "l", uint32_t, "k") HOST_OP(op##q, #op "q", uint64_t, "q")
HOST_OPS(add)
HOST_OPS(sub)
HOST_OPS(and)
HOST_OPS(or)
HOST_OPS(xor)
HOST_OPS(cmp)
HOST_OPS(test)

typedef uint64_t (*host_fn)(uint64_t, uint64_t, uint64_t *);

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* Interesting operands: edges around 0, the sign bit and all-ones. */
static uint64_t operand(void)
{
    static const uint64_t edges[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                      0x7fffffff, 0x80000000, 0xffffffff, 0x0f, 0x10,
                                      0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull };
    uint64_t r = rnd();
    return r & 1 ? edges[(r >> 1) % 16] : rnd();
}

TEST(alu_flags_match_the_host_cpu)
{
    static const struct { uint8_t opc; host_fn host[4]; bool logical, writes; } ops[] = {
        { 0x00, { host_addb, host_addw, host_addl, host_addq }, false, true },
        { 0x08, { host_orb, host_orw, host_orl, host_orq }, true, true },
        { 0x20, { host_andb, host_andw, host_andl, host_andq }, true, true },
        { 0x28, { host_subb, host_subw, host_subl, host_subq }, false, true },
        { 0x30, { host_xorb, host_xorw, host_xorl, host_xorq }, true, true },
        { 0x38, { host_cmpb, host_cmpw, host_cmpl, host_cmpq }, false, false },
        { 0x84, { host_testb, host_testw, host_testl, host_testq }, true, false },
    };
    int bad = 0;
    for (unsigned o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
        for (unsigned s = 0; s < 4; s++) {
            static const unsigned sizes[] = { 1, 2, 4, 8 };
            uint8_t b[3];
            unsigned n = 0;
            if (s == 1)
                b[n++] = 0x66;
            if (s == 3)
                b[n++] = 0x48;
            b[n++] = (uint8_t)(ops[o].opc | (s ? 1 : 0));
            b[n++] = 0x08;                  /* [rax], rcx/ecx/cx/cl */
            for (int i = 0; i < 2000 && bad < 5; i++) {
                reset_regs();
                uint64_t a = operand(), c = operand(), hf;
                uint64_t mask = sizes[s] == 8 ? ~0ull : (1ull << (8 * sizes[s])) - 1;
                dv.val = a & mask;
                regs[INSN_RCX] = c;
                rflags = 0x2 | (rnd() & 0x8d5);     /* old flags must not leak through */
                /* host: dst = a (memory), src = c */
                uint64_t hr = ops[o].host[s](a, c, &hf) & mask;
                if (emu(b, n) != 0) {
                    bad++;
                    continue;
                }
                uint64_t care = ops[o].logical ? 0x8c5 : 0x8d5;     /* AF undefined there */
                uint64_t want = ops[o].writes ? hr : a & mask;
                if ((rflags & care) != (hf & care) || dv.val != want ||
                    dv.writes != (ops[o].writes ? 1u : 0u) || dv.size != sizes[s]) {
                    UNIT_FAIL("opcode %02x size %u: 0x%llx, 0x%llx: mem 0x%llx want 0x%llx, "
                              "flags 0x%llx want 0x%llx", ops[o].opc, sizes[s],
                              (unsigned long long)a, (unsigned long long)c,
                              (unsigned long long)dv.val, (unsigned long long)want,
                              (unsigned long long)rflags, (unsigned long long)hf);
                    bad++;
                }
                if (ops[o].logical && (rflags & 0x10))
                    UNIT_FAIL("AF left set by a logical op");
            }
        }
    }
}

TEST(alu_register_destination_and_immediates)
{
    reset_regs();
    regs[INSN_RDX] = 10;
    dv.val = 3;
    CHECK_EQ(emu(BYTES(0x2b, 0x10)), 0);                  /* sub edx,[rax] */
    CHECK_EQ(regs[INSN_RDX], 7);
    CHECK_EQ(dv.writes, 0);
    dv.val = 8;
    CHECK_EQ(emu(BYTES(0x2b, 0x10)), 0);                  /* 7 - 8: borrow, sign */
    CHECK_EQ(regs[INSN_RDX], 0xffffffff);
    CHECK_EQ(rflags & 0x8d5, 0x95);                       /* CF PF AF SF */
    regs[INSN_RDX] = 5;
    dv.val = 5;
    CHECK_EQ(emu(BYTES(0x3b, 0x10)), 0);                  /* cmp edx,[rax] */
    CHECK_EQ(regs[INSN_RDX], 5);
    CHECK_EQ(rflags & 0x8d5, 0x44);                       /* ZF PF */
    regs[INSN_RDX] = 0xffffffff00000000ull;
    dv.val = 0xf0;
    CHECK_EQ(emu(BYTES(0x0a, 0x30)), 0);                  /* or dh,[rax] */
    CHECK_EQ(regs[INSN_RDX], 0xffffffff0000f000ull);
    dv.val = 0x7fffffff;
    CHECK_EQ(emu(BYTES(0x83, 0x00, 0x01)), 0);            /* add dword [rax],1: OF */
    CHECK_EQ(dv.val, 0x80000000);
    CHECK_EQ(rflags & 0x8d5, 0x894);                      /* OF SF AF PF */
    dv.val = 0x1234;
    CHECK_EQ(emu(BYTES(0x66, 0x83, 0x20, 0xf0)), 0);      /* and word [rax],-16 */
    CHECK_EQ(dv.val, 0x1230);
    CHECK_EQ(dv.size, 2);
    dv.val = 0xff;
    CHECK_EQ(emu(BYTES(0x80, 0x30, 0xff)), 0);            /* xor byte [rax],0xff */
    CHECK_EQ(dv.val, 0);
    CHECK_EQ(rflags & 0x8d5, 0x44);
    dv.val = 0xffffffffffffffffull;
    CHECK_EQ(emu(BYTES(0x48, 0x81, 0x38, 0xff, 0xff, 0xff, 0xff)), 0);    /* cmp qword,-1 */
    CHECK_EQ(rflags & 0x8d5, 0x44);
    dv.val = 0x80000000;
    unsigned w = dv.writes;
    CHECK_EQ(emu(BYTES(0xf7, 0x00, 0x00, 0x00, 0x00, 0x80)), 0);          /* test dword */
    CHECK_EQ(rflags & 0x8d5, 0x84);                       /* SF PF, not ZF */
    CHECK_EQ(dv.writes, w);
}

TEST(xchg_bit_ops_and_not)
{
    reset_regs();
    regs[INSN_R11] = 0x1122334455667788ull;
    dv.val = 0xaabbccddeeff0011ull;
    CHECK_EQ(emu(BYTES(0x4c, 0x87, 0x18)), 0);            /* xchg [rax],r11 */
    CHECK_EQ(regs[INSN_R11], 0xaabbccddeeff0011ull);
    CHECK_EQ(dv.val, 0x1122334455667788ull);
    CHECK_EQ(dv.reads, 1);
    CHECK_EQ(dv.writes, 1);
    regs[INSN_RBX] = 0xffff;
    dv.val = 0x12;
    CHECK_EQ(emu(BYTES(0x86, 0x38)), 0);                  /* xchg [rax],bh */
    CHECK_EQ(regs[INSN_RBX], 0x12ff);
    CHECK_EQ(dv.val, 0xff);
    regs[INSN_RCX] = 0xffffffffffffffffull;
    dv.val = 0x5;
    CHECK_EQ(emu(BYTES(0x87, 0x08)), 0);                  /* xchg [rax],ecx: zero-extends */
    CHECK_EQ(regs[INSN_RCX], 5);
    CHECK_EQ(dv.val, 0xffffffff);

    dv.val = 0x80000000;
    rflags = 0x2 | 0x8d4;
    CHECK_EQ(emu(BYTES(0x0f, 0xba, 0x20, 0x1f)), 0);      /* bt dword [rax],31 */
    CHECK_EQ(rflags, 0x2 | 0x8d5);                        /* CF set, the rest untouched */
    CHECK_EQ(emu(BYTES(0x0f, 0xba, 0x20, 0x3f)), 0);      /* 63 mod 32 = 31 */
    CHECK(rflags & 1);
    CHECK_EQ(dv.writes, 3);                               /* bt writes nothing */
    CHECK_EQ(emu(BYTES(0x0f, 0xba, 0x30, 0x1f)), 0);      /* btr: CF=1, clears */
    CHECK_EQ(dv.val, 0);
    CHECK(rflags & 1);
    CHECK_EQ(emu(BYTES(0x0f, 0xba, 0x28, 0x21)), 0);      /* bts 33 mod 32 = bit 1; CF=0 */
    CHECK_EQ(dv.val, 2);
    CHECK(!(rflags & 1));
    CHECK_EQ(emu(BYTES(0x0f, 0xba, 0x38, 0x01)), 0);      /* btc bit 1: CF=1, clears */
    CHECK_EQ(dv.val, 0);
    CHECK(rflags & 1);
    CHECK_EQ(emu(BYTES(0x48, 0x0f, 0xba, 0x28, 0x3f)), 0);        /* bts qword 63 */
    CHECK_EQ(dv.val, 0x8000000000000000ull);
    CHECK_EQ(dv.size, 8);
    dv.val = 0;
    CHECK_EQ(emu(BYTES(0x66, 0x0f, 0xba, 0x28, 0x13)), 0);        /* bts word 19 mod 16 = 3 */
    CHECK_EQ(dv.val, 8);

    rflags = 0x2;
    dv.val = 0x0f;
    CHECK_EQ(emu(BYTES(0xf6, 0x10)), 0);                  /* not byte */
    CHECK_EQ(dv.val, 0xf0);
    CHECK_EQ(dv.size, 1);
    CHECK_EQ(rflags, 0x2);
    dv.val = 0;
    CHECK_EQ(emu(BYTES(0x49, 0xf7, 0x17)), 0);            /* not qword */
    CHECK_EQ(dv.val, ~0ull);
}

TEST(failed_callbacks_change_nothing)
{
    reset_regs();
    uint64_t saved[16];
    memcpy(saved, regs, sizeof(regs));
    dv.fail_read = true;
    CHECK_EQ(emu(BYTES(0x8b, 0x08)), -1);                 /* mov ecx,[rax] */
    CHECK_EQ(emu(BYTES(0x01, 0x08)), -1);                 /* add [rax],ecx */
    CHECK_EQ(dv.writes, 0);
    dv.fail_read = false;
    dv.fail_write = true;
    dv.val = 0xffffffff;
    CHECK_EQ(emu(BYTES(0x87, 0x08)), -1);                 /* xchg: register not updated */
    CHECK_EQ(emu(BYTES(0x01, 0x08)), -1);                 /* add: flags not updated */
    CHECK_EQ(emu(BYTES(0x89, 0x08)), -1);
    CHECK(!memcmp(saved, regs, sizeof(regs)));
    CHECK_EQ(rflags, 0x2);
    dv.fail_write = false;
    CHECK_EQ(emu(BYTES(0x01, 0x08)), 0);
    CHECK(rflags != 0x2);
}

TEST(op_names)
{
    CHECK_STR(insn_op_name(INSN_MOV), "mov");
    CHECK_STR(insn_op_name(INSN_MOVSX), "movsx");
    CHECK_STR(insn_op_name(INSN_BTC), "btc");
    CHECK_STR(insn_op_name(INSN_NOT), "not");
    CHECK_STR(insn_op_name((enum insn_op)99), "?");
}
