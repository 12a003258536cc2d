// unit: vmx/trace_ring.c kernel/lib/fmt.c
/* The exit trace's pure parts (vmx/trace.h): which entries of a ring a
 * copy taken while its CPU writes may show, and the dump's line. */
#include "vmx/trace.h"
#include "unit.h"

static uint64_t window(uint64_t h1, uint64_t h2, uint64_t *first, uint64_t *end)
{
    return trace_window(h1, h2, first, end);
}

TEST(a_ring_not_yet_full_is_all_there)
{
    uint64_t first, end;
    CHECK_EQ(window(10, 10, &first, &end), 0);
    CHECK_EQ(first, 0);
    CHECK_EQ(end, 10);
    CHECK_EQ(window(0, 0, &first, &end), 0);
    CHECK_EQ(end - first, 0);
}

TEST(entries_written_during_the_copy_are_not_shown)
{
    uint64_t first, end;
    CHECK_EQ(window(10, 40, &first, &end), 0);
    CHECK_EQ(first, 0);
    CHECK_EQ(end, 10);
}

TEST(the_slot_the_cpu_may_be_rewriting_is_left_out)
{
    uint64_t first, end;
    /* full ring, the CPU writing entry 256 into slot 0 (entry 0's) */
    CHECK_EQ(window(TRACE_ENTRIES, TRACE_ENTRIES, &first, &end), 1);
    CHECK_EQ(first, 1);
    CHECK_EQ(end, TRACE_ENTRIES);
    CHECK_EQ(window(1000, 1000, &first, &end), 1);
    CHECK_EQ(first, 1000 - TRACE_ENTRIES + 1);
    CHECK_EQ(end, 1000);
}

TEST(entries_overwritten_while_copied_are_dropped)
{
    uint64_t first, end;
    /* 100 written during the copy: the 100 oldest (and the one being
     * written) may be the new ones */
    CHECK_EQ(window(1000, 1100, &first, &end), 101);
    CHECK_EQ(first, 1100 - TRACE_ENTRIES + 1);
    CHECK_EQ(end, 1000);
    /* the ring went all the way round: nothing is sure */
    CHECK_EQ(window(1000, 1000 + TRACE_ENTRIES, &first, &end), TRACE_ENTRIES);
    CHECK_EQ(end - first, 0);
    CHECK_EQ(window(1000, 5000, &first, &end), TRACE_ENTRIES);
    CHECK_EQ(end - first, 0);
    /* a short ring: entry 0's slot rewritten by entry 256 */
    CHECK_EQ(window(200, TRACE_ENTRIES + 1, &first, &end), 2);
    CHECK_EQ(first, 2);
    CHECK_EQ(end, 200);
}

TEST(the_line_has_delta_reason_qualification_rip_and_vcpu)
{
    char buf[160];
    struct trace_entry e = { .reason = 30, .guest = 0, .vcpu = 0, .qual = 0x3fd0008,
                             .rip = 0x8012, .tsc = 1312 };
    trace_entry_line(buf, sizeof(buf), &e, 1000, "IO_INSTRUCTION", "echo vCPU 0");
    CHECK_STR(buf, "  +312        IO_INSTRUCTION         qual 0x0000000003fd0008  "
                   "RIP 0x0000000000008012  echo vCPU 0");
    e.reason = 33u | 1u << 31;
    trace_entry_line(buf, sizeof(buf), &e, 1312, "INVALID_GUEST_STATE", "bad vCPU 1");
    CHECK_HAS(buf, "  +0          INVALID_GUEST_STATE    (entry failed) qual 0x");
    e.flags = TRACE_BAD_READ;
    trace_entry_line(buf, sizeof(buf), &e, 1300, "?", "x vCPU 2");
    CHECK_STR(buf, "  +12         (a VMREAD failed: reason, qualification or RIP unknown)  x vCPU 2");
}
