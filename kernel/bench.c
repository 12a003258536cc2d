/* bench=on: Keel runs the benchmark's CPU-bound loop itself, outside any
 * guest, so scripts/bench.sh can compare the guest's run of the same
 * instructions with a bare one (docs/benchmark.md). */
#include "arch/x86/cpu.h"
#include "kernel/bench.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"

uint64_t bench_cpu_loop(void);      /* kernel/bench_loop.asm */

void bench_host(void)
{
    uint64_t start = rdtsc();
    uint64_t sum = bench_cpu_loop();
    uint64_t ticks = rdtsc() - start;
    log_info("bench cpu_loop_bare %llu 1 (checksum 0x%llx)", (unsigned long long)ticks,
             (unsigned long long)sum);
}

/* Written on the boot CPU only. */
static bool first_entry_seen;

void bench_first_entry(void)
{
    if (!keel_options.bench || this_cpu() != percpu_bsp() || first_entry_seen)
        return;
    first_entry_seen = true;
    log_info("bench boot_to_guest %llu 1 (%u CPU%s)", (unsigned long long)(rdtsc() - boot_tsc),
             cpu_count, cpu_count == 1 ? "" : "s");
}
