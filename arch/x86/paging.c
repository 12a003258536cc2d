#include "arch/x86/paging.h"
#include "arch/x86/cpu.h"

#include <stdbool.h>

#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_PS  (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define PD_ENTRIES (4 * 512)
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)
#define CPUID_EXT_PAGE1GB_EDX (1u << 26)        /* CPUID.80000001H:EDX */

extern uint64_t boot_pd[PD_ENTRIES];    /* 2 MiB entries for 0..4 GiB */
extern uint64_t boot_pml4[512];

void paging_set_uncached(uint64_t phys)
{
    uint64_t i = phys >> 21;
    if (i == 0 || i >= PD_ENTRIES)
        return;                 /* the first 2 MiB uses 4 KiB pages: not for devices */
    boot_pd[i] |= PTE_PCD | PTE_PWT;
    asm volatile("invlpg (%0)" : : "r"(phys & ~((1ull << 21) - 1)) : "memory");
}

unsigned paging_phys_bits(void)
{
    if (cpuid(0x80000000u, 0).eax < 0x80000008u)
        return 36;
    unsigned bits = cpuid(0x80000008u, 0).eax & 0xff;
    return bits ? bits : 36;
}

uint64_t paging_map_high(uint64_t base, uint64_t len, uint64_t (*alloc_page)(void))
{
    uint64_t end = base + len < base ? PAGING_HIGH_LIMIT : base + len;
    uint64_t left = 0;
    if (end > PAGING_HIGH_LIMIT) {
        left = end - (base > PAGING_HIGH_LIMIT ? base : PAGING_HIGH_LIMIT);
        end = PAGING_HIGH_LIMIT;
    }
    if (base < PD_ENTRIES * MIB2)
        base = PD_ENTRIES * MIB2;       /* the first 4 GiB are the boot tables' */
    bool gib_pages = cpuid(0x80000000u, 0).eax >= 0x80000001u &&
                     (cpuid(0x80000001u, 0).edx & CPUID_EXT_PAGE1GB_EDX);
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(boot_pml4[0] & PTE_ADDR);
    for (uint64_t a = base & ~(MIB2 - 1); a < end;) {
        uint64_t g = a / GIB;
        if (gib_pages && a % GIB == 0 && a + GIB <= end && !(pdpt[g] & PTE_P)) {
            pdpt[g] = a | PTE_P | PTE_W | PTE_PS;
            a += GIB;
            continue;
        }
        if (!(pdpt[g] & PTE_P)) {
            uint64_t pd = alloc_page();
            if (!pd)
                return left + (end - a);
            pdpt[g] = pd | PTE_P | PTE_W;
        }
        if (!(pdpt[g] & PTE_PS)) {
            uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[g] & PTE_ADDR);
            pd[(a % GIB) / MIB2] = a | PTE_P | PTE_W | PTE_PS;
        }
        a += MIB2;
    }
    return left;
}
