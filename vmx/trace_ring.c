/* The exit trace's pure parts (vmx/trace.h): which entries of a ring a
 * copy may show, and the dump's line. Unit-tested:
 * tests/unit/test_trace_ring.c. */
#include "kernel/lib/fmt.h"
#include "vmx/trace.h"

uint64_t trace_window(uint64_t h1, uint64_t h2, uint64_t *first, uint64_t *end)
{
    uint64_t held = h1 > TRACE_ENTRIES ? h1 - TRACE_ENTRIES : 0;    /* the oldest at h1 */
    uint64_t whole = h2 >= TRACE_ENTRIES ? h2 - TRACE_ENTRIES + 1 : 0;
    uint64_t lo = held > whole ? held : whole;
    if (lo > h1)
        lo = h1;                        /* the ring went all the way round meanwhile */
    *first = lo;
    *end = h1;
    return lo - held;
}

void trace_entry_line(char *buf, size_t size, const struct trace_entry *e, uint64_t prev_tsc,
                      const char *reason_name, const char *who)
{
    uint64_t dt = e->tsc - prev_tsc;
    if (e->flags & TRACE_BAD_READ) {
        ksnprintf(buf, size, "  +%-10llu (a VMREAD failed: reason, qualification or RIP unknown)  %s",
                  (unsigned long long)dt, who);
        return;
    }
    ksnprintf(buf, size, "  +%-10llu %-22s%s qual 0x%016llx  RIP 0x%016llx  %s",
              (unsigned long long)dt, reason_name,
              e->reason & (1u << 31) ? " (entry failed)" : "", (unsigned long long)e->qual,
              (unsigned long long)e->rip, who);
}
