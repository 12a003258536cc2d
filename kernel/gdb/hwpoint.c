#include "kernel/gdb/hwpoint.h"

uint64_t gdb_dr7_slot_mask(unsigned n)
{
    return (3ull << (2 * n)) | (0xfull << (16 + 4 * n));
}

uint64_t gdb_dr7_slot_bits(unsigned n, unsigned type, uint64_t addr, uint64_t len)
{
    /* R/W: 00 execution, 01 write, 11 read or write. LEN: 00 one byte,
     * 01 two, 11 four, 10 eight. */
    uint64_t rw, lenbits;
    if (n >= GDB_HW_SLOTS || type < 1 || type > 4)
        return 0;
    if (type == 1) {
        rw = 0;
        lenbits = 0;
    } else {
        rw = type == 2 ? 1 : 3;
        switch (len) {
        case 1: lenbits = 0; break;
        case 2: lenbits = 1; break;
        case 4: lenbits = 3; break;
        case 8: lenbits = 2; break;
        default: return 0;
        }
        if (addr & (len - 1))
            return 0;
    }
    return (1ull << (2 * n)) | (rw << (16 + 4 * n)) | (lenbits << (18 + 4 * n));
}

const char *gdb_hw_stop_name(unsigned type)
{
    switch (type) {
    case 1: return "hwbreak";
    case 2: return "watch";
    case 3: return "rwatch";
    default: return "awatch";
    }
}
