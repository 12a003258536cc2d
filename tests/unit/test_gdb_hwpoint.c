// unit: kernel/gdb/hwpoint.c
#include "kernel/gdb/hwpoint.h"
#include "unit.h"

TEST(execution_breakpoint_is_one_byte_rw_00)
{
    /* L1 (bit 2), R/W1 00, LEN1 00: GDB's kind (1) is not a length */
    CHECK_EQ(gdb_dr7_slot_bits(1, 1, 0x8285, 1), 1ull << 2);
    CHECK_EQ(gdb_dr7_slot_bits(0, 1, 0x8285, 8), 1ull << 0);
}

TEST(write_watch_of_eight_bytes)
{
    /* L0, R/W0 01, LEN0 10 (eight bytes) */
    CHECK_EQ(gdb_dr7_slot_bits(0, 2, 0x8290, 8), 1ull | 1ull << 16 | 2ull << 18);
    /* slot 3: L3 bit 6, R/W3 at 28, LEN3 at 30; four bytes is 11 */
    CHECK_EQ(gdb_dr7_slot_bits(3, 2, 0x1000, 4), 1ull << 6 | 1ull << 28 | 3ull << 30);
}

TEST(read_and_access_watch_both_rw_11)
{
    CHECK_EQ(gdb_dr7_slot_bits(2, 3, 0x1002, 2), 1ull << 4 | 3ull << 24 | 1ull << 26);
    CHECK_EQ(gdb_dr7_slot_bits(2, 4, 0x1001, 1), 1ull << 4 | 3ull << 24);
}

TEST(what_debug_registers_cannot_do_is_refused)
{
    CHECK_EQ(gdb_dr7_slot_bits(0, 2, 0x8291, 8), 0);    /* unaligned */
    CHECK_EQ(gdb_dr7_slot_bits(0, 2, 0x8290, 3), 0);    /* no such length */
    CHECK_EQ(gdb_dr7_slot_bits(0, 2, 0x8290, 16), 0);
    CHECK_EQ(gdb_dr7_slot_bits(4, 2, 0x8290, 8), 0);    /* no slot 4 */
    CHECK_EQ(gdb_dr7_slot_bits(0, 0, 0x8290, 1), 0);    /* a software breakpoint */
    CHECK_EQ(gdb_dr7_slot_bits(0, 5, 0x8290, 1), 0);
}

TEST(slot_mask_covers_its_bits_only)
{
    for (unsigned n = 0; n < GDB_HW_SLOTS; n++) {
        uint64_t m = gdb_dr7_slot_mask(n);
        for (unsigned t = 1; t <= 4; t++)
            CHECK_EQ(gdb_dr7_slot_bits(n, t, 0x1000, 4) & ~m, 0);
        for (unsigned k = 0; k < GDB_HW_SLOTS; k++)
            if (k != n)
                CHECK_EQ(m & gdb_dr7_slot_mask(k), 0);
    }
}

TEST(stop_names)
{
    CHECK_STR(gdb_hw_stop_name(1), "hwbreak");
    CHECK_STR(gdb_hw_stop_name(2), "watch");
    CHECK_STR(gdb_hw_stop_name(3), "rwatch");
    CHECK_STR(gdb_hw_stop_name(4), "awatch");
}
