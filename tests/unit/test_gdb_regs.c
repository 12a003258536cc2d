// unit: kernel/gdb/regs.c kernel/gdb/packet.c
#include "kernel/gdb/packet.h"
#include "kernel/gdb/regs.h"
#include "unit.h"

static struct gdb_x86_regs sample(void)
{
    struct gdb_x86_regs r = { 0 };
    for (unsigned i = 0; i < 16; i++)
        r.gpr[i] = 0x1111111111111111ull * (i + 1) & 0xffffffffffffffull;
    r.gpr[GDB_RAX] = 0x0102030405060708ull;
    r.rip = 0xffffffff81000000ull;
    r.rflags = 0x246;
    for (unsigned i = 0; i < GDB_SEGS; i++)
        r.seg[i] = (uint16_t)(0x10 + 8 * i);
    return r;
}

TEST(arch_from_the_mode)
{
    CHECK_EQ(gdb_arch_of(true, true, false), GDB_ARCH_X86_64);
    CHECK_EQ(gdb_arch_of(true, false, true), GDB_ARCH_I386);
    CHECK_EQ(gdb_arch_of(true, false, false), GDB_ARCH_I8086);
    CHECK_EQ(gdb_arch_of(false, false, false), GDB_ARCH_I8086);
    CHECK(strstr(gdb_target_xml(GDB_ARCH_X86_64), "<architecture>i386:x86-64</architecture>"));
    CHECK(strstr(gdb_target_xml(GDB_ARCH_I386), "<architecture>i386</architecture>"));
    CHECK(strstr(gdb_target_xml(GDB_ARCH_I8086), "<architecture>i8086</architecture>"));
}

TEST(amd64_layout_is_gdbs)
{
    struct gdb_x86_regs r = sample();
    char hex[1024];
    size_t n = gdb_regs_encode(&r, GDB_ARCH_X86_64, hex);
    CHECK_EQ(n, (size_t)2 * (17 * 8 + 7 * 4));
    CHECK_EQ(n, gdb_regs_hex_len(GDB_ARCH_X86_64));
    CHECK(!strncmp(hex, "0807060504030201", 16));          /* rax, little-endian */
    /* register 1 is rbx (x86 number 3), 7 is rsp (4) */
    char one[17] = { 0 };
    gdb_reg_encode(&r, GDB_ARCH_X86_64, 1, one);
    char want[17] = { 0 };
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(r.gpr[GDB_RBX] >> (8 * i));
    gdb_hex_encode(b, 8, want);
    CHECK_STR(one, want);
    CHECK(!strncmp(hex + 16 * 16, "00000081ffffffff", 16));  /* rip, register 16 */
    CHECK(!strncmp(hex + 17 * 16, "46020000", 8));           /* eflags */
    CHECK(!strncmp(hex + 17 * 16 + 8, "10000000", 8));       /* cs */
    CHECK_EQ(gdb_reg_encode(&r, GDB_ARCH_X86_64, 24, one), 0u);   /* st0: not sent */
}

TEST(i386_layout_is_gdbs)
{
    struct gdb_x86_regs r = sample();
    char hex[512];
    size_t n = gdb_regs_encode(&r, GDB_ARCH_I386, hex);
    CHECK_EQ(n, (size_t)2 * 16 * 4);
    CHECK(!strncmp(hex, "08070605", 8));                     /* eax */
    CHECK_EQ(gdb_reg_size(GDB_ARCH_I386, 8), 4u);            /* eip */
    CHECK_EQ(gdb_reg_size(GDB_ARCH_I386, 16), 0u);
}

TEST(g_then_G_round_trips_and_bad_input_changes_nothing)
{
    struct gdb_x86_regs r = sample(), back = { 0 };
    char hex[1024];
    size_t n = gdb_regs_encode(&r, GDB_ARCH_X86_64, hex);
    CHECK(gdb_regs_decode(hex, n, GDB_ARCH_X86_64, &back));
    CHECK(!memcmp(&r, &back, sizeof(r)));
    struct gdb_x86_regs keep = back;
    CHECK(!gdb_regs_decode(hex, n + 2, GDB_ARCH_X86_64, &back));     /* too long */
    CHECK(!gdb_regs_decode(hex, 15, GDB_ARCH_X86_64, &back));        /* odd */
    hex[20] = 'q';
    CHECK(!gdb_regs_decode(hex, n, GDB_ARCH_X86_64, &back));
    CHECK(!memcmp(&keep, &back, sizeof(keep)));
    /* a short G sets only what it covers */
    CHECK(gdb_regs_decode("ffffffffffffffff", 16, GDB_ARCH_X86_64, &back));
    CHECK_EQ(back.gpr[GDB_RAX], UINT64_MAX);
    CHECK_EQ(back.gpr[GDB_RBX], keep.gpr[GDB_RBX]);
}

TEST(P_of_a_32_bit_register_keeps_the_upper_half)
{
    struct gdb_x86_regs r = sample();
    uint64_t upper = r.gpr[GDB_RCX] & ~0xffffffffull;
    CHECK(gdb_reg_decode("78563412", 8, GDB_ARCH_I386, 1, &r));      /* ecx */
    CHECK_EQ(r.gpr[GDB_RCX], upper | 0x12345678u);
    CHECK(gdb_reg_decode("3300", 4, GDB_ARCH_I386, 10, &r) == false); /* cs: 4 bytes */
    CHECK(gdb_reg_decode("33000000", 8, GDB_ARCH_I386, 10, &r));
    CHECK_EQ(r.seg[GDB_CS], 0x33);
    CHECK(!gdb_reg_decode("00", 2, GDB_ARCH_I386, 40, &r));
}
