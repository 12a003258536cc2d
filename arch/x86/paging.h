/* The boot page tables (boot/entry.asm): identity map of 0..4 GiB. */
#ifndef KEEL_ARCH_X86_PAGING_H
#define KEEL_ARCH_X86_PAGING_H

#include <stdint.h>

/* Make the 2 MiB page holding `phys` uncached (device registers). */
void paging_set_uncached(uint64_t phys);

#endif
