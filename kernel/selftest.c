/* Faults raised on purpose, so the tests can check that each is reported
 * by name and the machine still powers off cleanly. */
#include "kernel/selftest.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"

#define STORM_LINES 20

static volatile bool storm_go;
static volatile unsigned storm_done;

/* test=log-storm: every CPU prints at once; each line must still come out
 * whole (the console lock). */
static void log_storm(void)
{
    while (!__atomic_load_n(&storm_go, __ATOMIC_ACQUIRE))
        asm volatile("pause");
    for (int i = 1; i <= STORM_LINES; i++)
        log_info("log-storm line %2d of %d: %s", i, STORM_LINES,
                 "0123456789012345678901234567890123456789");
    __atomic_fetch_add(&storm_done, 1, __ATOMIC_RELEASE);
}

void selftest_late(enum selftest which)
{
    if (which == SELFTEST_VMX_PANIC)
        panic("test=vmx-panic: a panic with every CPU in VMX root operation");
}

void selftest_ap(enum selftest which)
{
    if (which == SELFTEST_LOG_STORM)
        log_storm();
}

/* Unmapped (page 0 is never mapped) and non-canonical addresses. Kept in
 * volatile variables so the compiler cannot see the fault coming. */
static volatile uint64_t unmapped_addr = 0x10;
static volatile uint64_t noncanonical_addr = 0x8000000000000000ull;

void selftest_run(enum selftest which)
{
    if (which == SELFTEST_NONE || which == SELFTEST_AP_SILENT || which == SELFTEST_VMX_PANIC ||
        which == SELFTEST_GUEST_PANIC || which == SELFTEST_NO_PREEMPTION_TIMER ||
        which == SELFTEST_MITIGATED_LOOP)
        return;                 /* these act during SMP bring-up, or later */
    if (which == SELFTEST_LOG_STORM) {
        __atomic_store_n(&storm_go, true, __ATOMIC_RELEASE);
        log_storm();
        while (__atomic_load_n(&storm_done, __ATOMIC_ACQUIRE) < cpu_count)
            asm volatile("pause");
        log_info("log-storm: %u CPUs printed %d lines each", cpu_count, STORM_LINES);
        return;
    }
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
    case SELFTEST_LOG_STORM:
    case SELFTEST_VMX_PANIC:
    case SELFTEST_GUEST_PANIC:
    case SELFTEST_NO_PREEMPTION_TIMER:
    case SELFTEST_MITIGATED_LOOP:
        break;
    }
    panic("test=%d: the fault did not happen", which);
}
