// unit: vmx/ept.c
#include "vmx/ept.h"
#include "unit.h"

/* Fake physical memory for paging structures: page i is at 0x1000 * (i+1). */
#define POOL 64
static uint64_t pool[POOL][512] __attribute__((aligned(4096)));
static unsigned used, limit = POOL;

static uint64_t alloc_page(void *ctx)
{
    (void)ctx;
    if (used == limit)
        return 0;
    memset(pool[used], 0, sizeof(pool[used]));
    return 0x1000ull * (++used);
}

static uint64_t *table(void *ctx, uint64_t phys)
{
    (void)ctx;
    if (phys == 0 || phys > 0x1000ull * used || phys % 0x1000) {
        UNIT_FAIL("walked to 0x%llx, not a paging-structure page", (unsigned long long)phys);
        return pool[0];
    }
    return pool[phys / 0x1000 - 1];
}

static struct ept fresh(bool use_2m, bool use_1g)
{
    used = 0;
    limit = POOL;
    struct ept e = { .alloc_page = alloc_page, .table = table, .use_2m = use_2m,
                     .use_1g = use_1g };
    CHECK(ept_init(&e));
    return e;
}

static void check_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t perms, uint64_t size)
{
    uint64_t h, p, s;
    if (!ept_translate(e, gpa, &h, &p, &s)) {
        UNIT_FAIL("0x%llx not mapped", (unsigned long long)gpa);
        return;
    }
    CHECK_EQ(h, hpa);
    CHECK_EQ(p, perms);
    CHECK_EQ(s, size);
}

TEST(two_megabytes_with_a_2m_page)
{
    struct ept e = fresh(true, true);
    CHECK_EQ(ept_map(&e, 0, 0x40000000, 2 << 20, EPT_RWX), 0);
    CHECK_EQ(e.pages[1], 1);
    CHECK_EQ(e.pages[0], 0);
    CHECK_EQ(e.tables, 3);                      /* PML4, PDPT, PD */
    check_map(&e, 0x1234, 0x40001234, EPT_RWX, 2 << 20);
    uint64_t h, p, s;
    CHECK(!ept_translate(&e, 2 << 20, &h, &p, &s));
    /* A leaf is write-back with the large-page bit. */
    uint64_t pde = table(NULL, table(NULL, table(NULL, e.root)[0] & EPT_ADDR)[0] & EPT_ADDR)[0];
    CHECK_EQ(pde, 0x40000000 | EPT_RWX | EPT_MT_WB | EPT_IGNORE_PAT | EPT_LARGE);
}

TEST(largest_pages_that_fit)
{
    struct ept e = fresh(true, true);
    /* 1G + 2M + 4K from gpa 0: 1 GiB page, 2 MiB page, 4 KiB page. */
    CHECK_EQ(ept_map(&e, 0, 1ull << 32, (1 << 30) + (2 << 20) + 4096, EPT_RWX), 0);
    CHECK_EQ(e.pages[2], 1);
    CHECK_EQ(e.pages[1], 1);
    CHECK_EQ(e.pages[0], 1);
    check_map(&e, 0x3fffffff, (1ull << 32) + 0x3fffffff, EPT_RWX, 1 << 30);
    check_map(&e, 1 << 30, (1ull << 32) + (1 << 30), EPT_RWX, 2 << 20);
    check_map(&e, (1 << 30) + (2 << 20), (1ull << 32) + (1 << 30) + (2 << 20), EPT_RWX, 4096);
}

TEST(no_large_pages_when_the_cpu_has_none)
{
    struct ept e = fresh(false, false);
    CHECK_EQ(ept_map(&e, 0, 0x200000, 2 << 20, EPT_RWX), 0);
    CHECK_EQ(e.pages[0], 512);
    CHECK_EQ(e.pages[1], 0);
    CHECK_EQ(e.tables, 4);
    check_map(&e, 0x1ff000, 0x3ff000, EPT_RWX, 4096);
}

TEST(misaligned_host_forces_smaller_pages)
{
    struct ept e = fresh(true, true);
    /* gpa 2M-aligned, hpa only 4K-aligned: no 2M page can be used. */
    CHECK_EQ(ept_map(&e, 0x200000, 0x201000, 2 << 20, EPT_RWX), 0);
    CHECK_EQ(e.pages[1], 0);
    CHECK_EQ(e.pages[0], 512);
    /* gpa 1M into a 2M page: 4K pages up to the 2M boundary, then 2M. */
    e = fresh(true, true);
    CHECK_EQ(ept_map(&e, 0x100000, 0x100000, 0x100000 + (2 << 20), EPT_RWX), 0);
    CHECK_EQ(e.pages[0], 256);
    CHECK_EQ(e.pages[1], 1);
    check_map(&e, 0x200000, 0x200000, EPT_RWX, 2 << 20);
}

TEST(holes_stay_unmapped_and_overlaps_are_refused)
{
    struct ept e = fresh(true, true);
    CHECK_EQ(ept_map(&e, 0, 0x400000, 0x1000, EPT_READ | EPT_EXEC), 0);
    CHECK_EQ(ept_map(&e, 0x2000, 0x402000, 0x1000, EPT_RWX), 0);
    uint64_t h, p, s;
    CHECK(!ept_translate(&e, 0x1000, &h, &p, &s));     /* the hole */
    check_map(&e, 0, 0x400000, EPT_READ | EPT_EXEC, 4096);
    CHECK_EQ(ept_map(&e, 0x1000, 0x500000, 0x2000, EPT_RWX), -1);   /* overlaps 0x2000 */
    CHECK(!ept_translate(&e, 0x1000, &h, &p, &s));     /* and changed nothing */
    CHECK_EQ(ept_map(&e, 0, 0x600000, 2 << 20, EPT_RWX), -1);       /* under 4K leaves */
}

TEST(bad_arguments_refused)
{
    struct ept e = fresh(true, true);
    CHECK_EQ(ept_map(&e, 0x800, 0, 0x1000, EPT_RWX), -1);
    CHECK_EQ(ept_map(&e, 0, 0x800, 0x1000, EPT_RWX), -1);
    CHECK_EQ(ept_map(&e, 0, 0, 0x800, EPT_RWX), -1);
    CHECK_EQ(ept_map(&e, 0, 0, 0, EPT_RWX), -1);
    CHECK_EQ(ept_map(&e, 0, 0, 0x1000, 0), -1);
    CHECK_EQ(ept_map(&e, 0, 0, 0x1000, EPT_LARGE | EPT_READ), -1);
    CHECK_EQ(ept_map(&e, ~0xfffull, 0, 0x2000, EPT_RWX), -1);       /* wraps */
}

TEST(out_of_pages_reported)
{
    struct ept e = fresh(false, false);
    limit = 3;                                  /* root + PDPT + PD, no PT */
    CHECK_EQ(ept_map(&e, 0, 0, 0x1000, EPT_RWX), -1);
}

TEST(eptp_is_write_back_4_level)
{
    struct ept e = fresh(true, true);
    CHECK_EQ(ept_pointer(&e), e.root | 0x1e);
}
