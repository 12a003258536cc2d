#include "vmx/ept.h"

#include <stddef.h>

#define ENTRIES 512
#define EPTP_MT_WB 6ull
#define EPTP_WALK_4 (3ull << 3)

static unsigned index_at(uint64_t gpa, int level)      /* level 3 = PML4 ... 0 = PT */
{
    return (unsigned)(gpa >> (12 + 9 * level)) & (ENTRIES - 1);
}

bool ept_init(struct ept *e)
{
    e->root = e->alloc_page(e->ctx);
    e->tables = e->root ? 1 : 0;
    e->pages[0] = e->pages[1] = e->pages[2] = 0;
    return e->root != 0;
}

/* The entry for gpa at `level`, creating the tables above it. NULL when
 * a large page already covers gpa or memory ran out. */
static uint64_t *walk_create(struct ept *e, uint64_t gpa, int level)
{
    uint64_t *t = e->table(e->ctx, e->root);
    for (int l = 3; l > level; l--) {
        uint64_t *entry = &t[index_at(gpa, l)];
        if (!(*entry & EPT_RWX)) {
            uint64_t page = e->alloc_page(e->ctx);
            if (!page)
                return NULL;
            e->tables++;
            *entry = page | EPT_RWX;    /* non-leaf: permissions come from the leaves */
        } else if (*entry & EPT_LARGE) {
            return NULL;
        }
        t = e->table(e->ctx, *entry & EPT_ADDR);
    }
    return &t[index_at(gpa, level)];
}

static bool range_mapped(const struct ept *e, uint64_t gpa, uint64_t size)
{
    for (uint64_t off = 0; off < size;) {
        uint64_t hpa, perms, ps;
        if (ept_translate(e, gpa + off, &hpa, &perms, &ps))
            return true;
        /* Skip to the next 4 KiB page; unmapped large regions are cheap
         * enough to walk at creation time. */
        off += EPT_PAGE_4K;
    }
    return false;
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t perms)
{
    if ((gpa | hpa | size) & (EPT_PAGE_4K - 1) || size == 0 || !(perms & EPT_RWX) ||
        (perms & ~EPT_RWX) || gpa + size < gpa || range_mapped(e, gpa, size))
        return -1;
    while (size) {
        int level = 0;
        uint64_t page = EPT_PAGE_4K;
        if (e->use_1g && !((gpa | hpa) & (EPT_PAGE_1G - 1)) && size >= EPT_PAGE_1G)
            level = 2, page = EPT_PAGE_1G;
        else if (e->use_2m && !((gpa | hpa) & (EPT_PAGE_2M - 1)) && size >= EPT_PAGE_2M)
            level = 1, page = EPT_PAGE_2M;
        uint64_t *entry = walk_create(e, gpa, level);
        if (!entry || *entry)
            return -1;
        /* Write-back whatever the guest's PAT and CR0.CD say (SDM "Memory
         * Type Used for Translated Guest-Physical Addresses"): Keel uses
         * the same memory write-back, and a guest must not make it
         * uncached or write-combining under Keel's feet. */
        *entry = hpa | perms | EPT_MT_WB | EPT_IGNORE_PAT | (level ? EPT_LARGE : 0);
        e->pages[level]++;
        gpa += page;
        hpa += page;
        size -= page;
    }
    return 0;
}

bool ept_translate(const struct ept *e, uint64_t gpa, uint64_t *hpa, uint64_t *perms,
                   uint64_t *page_size)
{
    uint64_t *t = e->table(e->ctx, e->root);
    for (int l = 3; l >= 0; l--) {
        uint64_t entry = t[index_at(gpa, l)];
        if (!(entry & EPT_RWX))
            return false;
        if (l == 0 || (entry & EPT_LARGE)) {
            uint64_t size = 1ull << (12 + 9 * l);
            *page_size = size;
            *perms = entry & EPT_RWX;
            *hpa = (entry & EPT_ADDR & ~(size - 1)) | (gpa & (size - 1));
            return true;
        }
        t = e->table(e->ctx, entry & EPT_ADDR);
    }
    return false;
}

uint64_t ept_pointer(const struct ept *e)
{
    return e->root | EPTP_WALK_4 | EPTP_MT_WB;
}
