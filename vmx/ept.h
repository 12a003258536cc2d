/* EPT paging structures (SDM "The Extended Page Table Mechanism (EPT)"):
 * 4-level, write-back, built with the largest pages that fit. Pure: pages
 * come from, and are reached through, callbacks, so the host unit tests
 * build real tables in ordinary memory. */
#ifndef KEEL_VMX_EPT_H
#define KEEL_VMX_EPT_H

#include <stdbool.h>
#include <stdint.h>

#define EPT_READ    (1ull << 0)
#define EPT_WRITE   (1ull << 1)
#define EPT_EXEC    (1ull << 2)
#define EPT_RWX     (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MT_WB   (6ull << 3)     /* memory type of a leaf, bits 5:3 */
#define EPT_IGNORE_PAT (1ull << 6)  /* the leaf's type wins over the guest's PAT */
#define EPT_LARGE   (1ull << 7)     /* 1G or 2M leaf */
#define EPT_ADDR    0x000ffffffffff000ull

#define EPT_PAGE_4K (1ull << 12)
#define EPT_PAGE_2M (1ull << 21)
#define EPT_PAGE_1G (1ull << 30)

struct ept {
    uint64_t root;                  /* physical address of the PML4 */
    /* A zeroed 4 KiB page: its physical address, or 0 when none is left. */
    uint64_t (*alloc_page)(void *ctx);
    /* Where Keel can reach a paging-structure page. */
    uint64_t *(*table)(void *ctx, uint64_t phys);
    void *ctx;
    bool use_2m, use_1g;            /* what the CPU offers (vmcs_config) */
    unsigned pages[3];              /* leaves made: 4K, 2M, 1G */
    unsigned tables;                /* paging-structure pages, root included */
};

/* Allocate the root. Returns false when no page is left. */
bool ept_init(struct ept *e);

/* Map [gpa, gpa+size) to [hpa, hpa+size), read/write/execute `perms`,
 * write-back, with 1G, 2M or 4K leaves: each as large as alignment and
 * remaining size allow. Both addresses and size must be 4 KiB aligned. A
 * range that overlaps an existing mapping is refused. Returns 0, or -1. */
int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t perms);

/* Translate like the CPU would: returns false when gpa is not mapped. */
bool ept_translate(const struct ept *e, uint64_t gpa, uint64_t *hpa, uint64_t *perms,
                   uint64_t *page_size);

/* EPTP for the VMCS: write-back, page-walk length 4 (SDM "Extended-Page-
 * Table Pointer (EPTP)"). */
uint64_t ept_pointer(const struct ept *e);

#endif
