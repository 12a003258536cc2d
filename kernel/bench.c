/* bench=on: Keel runs the benchmark's CPU-bound loop itself, outside any
 * guest, so scripts/bench.sh can compare the guest's run of the same
 * instructions with a bare one (docs/benchmark.md). */
#include "arch/x86/cpu.h"
#include "kernel/bench.h"
#include "kernel/log.h"

uint64_t bench_cpu_loop(void);      /* kernel/bench_loop.asm */

void bench_host(void)
{
    uint64_t start = rdtsc();
    uint64_t sum = bench_cpu_loop();
    uint64_t ticks = rdtsc() - start;
    log_info("bench cpu_loop_bare %llu 1 (checksum 0x%llx)", (unsigned long long)ticks,
             (unsigned long long)sum);
}
