#include "arch/x86/paging.h"

#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PD_ENTRIES (4 * 512)

extern uint64_t boot_pd[PD_ENTRIES];    /* 2 MiB entries for 0..4 GiB */

void paging_set_uncached(uint64_t phys)
{
    uint64_t i = phys >> 21;
    if (i == 0 || i >= PD_ENTRIES)
        return;                 /* the first 2 MiB uses 4 KiB pages: not for devices */
    boot_pd[i] |= PTE_PCD | PTE_PWT;
    asm volatile("invlpg (%0)" : : "r"(phys & ~((1ull << 21) - 1)) : "memory");
}
