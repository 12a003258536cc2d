/* GDB's hardware breakpoints and watchpoints (Z1-Z4) as x86 debug
 * registers: the DR7 bits of one of DR0-DR3 (SDM "Debug Control Register
 * (DR7)": L0-L3 at 0, 2, 4, 6; R/W and LEN at 16 + 4n and 18 + 4n), and
 * which stop a #DB's DR6 bits make. Pure: tests/unit/test_gdb_hwpoint.c. */
#ifndef KEEL_GDB_HWPOINT_H
#define KEEL_GDB_HWPOINT_H

#include <stdint.h>

#define GDB_HW_SLOTS 4

/* DR7's bits for slot n (0-3): its enable bits, R/W and LEN. */
uint64_t gdb_dr7_slot_mask(unsigned n);

/* The DR7 bits that set slot n to GDB's Z type (1: execution, 2: write,
 * 3: read, 4: access; x86 has no read-only watch, so 3 watches reads and
 * writes) over `len` bytes at `addr`; 0 when the debug registers cannot
 * (len not 1, 2, 4 or 8, addr not aligned to it; an execution breakpoint
 * is one byte: len is GDB's "kind", ignored). */
uint64_t gdb_dr7_slot_bits(unsigned n, unsigned type, uint64_t addr, uint64_t len);

/* What the stop reply says of a hit on a slot of that type: "hwbreak",
 * "watch", "rwatch" or "awatch". */
const char *gdb_hw_stop_name(unsigned type);

#endif
