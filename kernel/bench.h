#ifndef KEEL_BENCH_H
#define KEEL_BENCH_H

#include <stdint.h>

/* The benchmark's CPU-bound loop, run by Keel outside any guest. */
void bench_host(void);

/* GRUB's hand-off, in the boot CPU's TSC (boot/entry.asm). */
extern uint64_t boot_tsc;

/* bench=on: a vCPU is about to enter its guest for the first time; on
 * the boot CPU, the first such entry prints "bench boot_to_guest TICKS 1":
 * the ticks from the hand-off to the guest's first instruction. */
void bench_first_entry(void);

#endif
