#ifndef KEEL_BENCH_H
#define KEEL_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct guest;

/* The benchmark's CPU-bound loop, run by Keel outside any guest. */
void bench_host(void);

/* GRUB's hand-off, in the boot CPU's TSC (boot/entry.asm). */
extern uint64_t boot_tsc;

/* bench=on: a vCPU is about to enter its guest for the first time; on
 * the boot CPU, the first such entry prints "bench boot_to_guest TICKS 1":
 * the ticks from the hand-off to the guest's first instruction. A
 * guest's vCPU 0 notes the TSC for bench_report. Called last before the
 * entry (this_cpu()->vcpu is the vCPU). */
void bench_first_entry(void);

/* bench=on: the guest wrote a byte to its console. The first time, the
 * TSC and its exits until then are noted for bench_report. A flag, so
 * that a console byte costs one compare without bench=on. */
extern bool bench_watch_output;
void bench_note_output(const struct guest *g);
static inline void bench_console_output(const struct guest *g)
{
    if (__builtin_expect(bench_watch_output, 0))
        bench_note_output(g);
}

/* bench=on: after the guests, for each guest that ran, "bench guest_entry
 * NAME TSC" (its vCPU 0's first VM entry: the guest's TSC is the host's,
 * so its own RDTSC readings count from there), and, if it wrote to its
 * console, "bench guest_first_output NAME TSC EXITS" and one "bench
 * guest_exits NAME REASON COUNT" line per exit reason it had taken by
 * then. */
void bench_report(void);

#endif
