/* The boot page tables (boot/entry.asm): identity map of 0..4 GiB. */
#ifndef KEEL_ARCH_X86_PAGING_H
#define KEEL_ARCH_X86_PAGING_H

#include <stdint.h>

/* Make the 2 MiB page holding `phys` uncached (device registers). */
void paging_set_uncached(uint64_t phys);

#define PAGING_HIGH_LIMIT (512ull << 30)    /* one PML4 entry: the boot PDPT */

/* Identity-map RAM above 4 GiB (kernel/mm.c, for guests' RAM): the 2 MiB
 * pages that [base, base+len) touches, below PAGING_HIGH_LIMIT, with
 * 1-GByte pages where the CPU has them and a whole GiB is asked for.
 * `alloc_page` gives a zeroed, identity-mapped 4 KiB page for a page
 * directory, or 0. Before the APs start (they share these tables).
 * Returns the bytes it could not map. */
uint64_t paging_map_high(uint64_t base, uint64_t len, uint64_t (*alloc_page)(void));

/* CPUID 0x80000008 EAX[7:0], or 36 where the CPU does not say. */
unsigned paging_phys_bits(void);

#endif
