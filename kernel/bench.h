#ifndef KEEL_BENCH_H
#define KEEL_BENCH_H

/* The benchmark's CPU-bound loop, run by Keel outside any guest. */
void bench_host(void);

#endif
