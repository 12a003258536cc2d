/* Faults raised on purpose, so the tests can check that each is reported
 * by name and the machine still powers off cleanly. */
#include "kernel/selftest.h"
#include "kernel/log.h"
#include "kernel/panic.h"

/* Unmapped (page 0 is never mapped) and non-canonical addresses. Kept in
 * volatile variables so the compiler cannot see the fault coming. */
static volatile uint64_t unmapped_addr = 0x10;
static volatile uint64_t noncanonical_addr = 0x8000000000000000ull;

void selftest_run(enum selftest which)
{
    if (which == SELFTEST_NONE || which == SELFTEST_AP_SILENT)
        return;                 /* ap-silent acts during SMP bring-up */
    log_info("test: raising a fault on purpose (test=%s)", which == SELFTEST_UD ? "ud" :
             which == SELFTEST_GP ? "gp" : which == SELFTEST_PF ? "pf" :
             which == SELFTEST_DE ? "de" : which == SELFTEST_BP ? "bp" :
             which == SELFTEST_DF ? "df" : "panic");
    switch (which) {
    case SELFTEST_UD:
        asm volatile("ud2");
        break;
    case SELFTEST_GP:
        (void)*(volatile uint64_t *)(uintptr_t)noncanonical_addr;
        break;
    case SELFTEST_PF:
        (void)*(volatile uint64_t *)(uintptr_t)unmapped_addr;
        break;
    case SELFTEST_DE:
        asm volatile("xorl %%ecx, %%ecx; divl %%ecx" ::: "eax", "ecx", "edx");
        break;
    case SELFTEST_BP:
        asm volatile("int3");
        break;
    case SELFTEST_DF:
        /* A stack in unmapped page 0: delivering #BP faults, delivering
         * that #PF faults again, and the CPU raises #DF on its IST stack. */
        asm volatile("movq $0x800, %%rsp; int3" ::: "memory");
        break;
    case SELFTEST_PANIC:
        panic("test=panic: a panic on purpose");
    case SELFTEST_NONE:
    case SELFTEST_AP_SILENT:
        break;
    }
    panic("test=%d: the fault did not happen", which);
}
