#include "kernel/mm.h"
#include "arch/x86/paging.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

extern char __image_start[], __image_end[];

#define LOW_MEMORY_END (1ull << 20)     /* BIOS data, trampolines: never handed out */

static uint64_t bitmap[MM_MAPPED_END / FRAME_SIZE / 64];
static struct frame_alloc frames;
/* RAM above 4 GiB, mapped by paging_map_high and handed out only as
 * guests' RAM (mm_try_alloc_frames): its bitmap covers 0..top and lies in
 * low memory; the first 4 GiB in it are never free. */
static struct frame_alloc high;
static struct spinlock frames_lock;     /* any CPU may allocate */
static const struct boot_info *boot;
static uint64_t next_low_page = FRAME_SIZE;

static uint64_t low_page(void)
{
    uint64_t p = frame_alloc(&frames, 1, FRAME_SIZE);
    if (p)
        memset((void *)(uintptr_t)p, 0, FRAME_SIZE);
    return p;
}

/* Map the usable RAM above 4 GiB and let guests have it. Returns the
 * bytes above 4 GiB left out (beyond MAXPHYADDR or PAGING_HIGH_LIMIT, or
 * with no room for the tables). */
static uint64_t init_high(const struct boot_info *bi, uint64_t *mapped)
{
    char a[24];
    unsigned bits = paging_phys_bits();
    uint64_t limit = bits >= 64 ? UINT64_MAX : 1ull << bits;
    if (limit > PAGING_HIGH_LIMIT)
        limit = PAGING_HIGH_LIMIT;
    uint64_t top = MM_MAPPED_END, above = 0;
    for (uint32_t i = 0; i < bi->mmap_count; i++) {
        const struct mem_region *r = &bi->mmap[i];
        uint64_t end = r->base + r->len;
        if (r->type != MEM_USABLE || end <= MM_MAPPED_END)
            continue;
        above += end - (r->base > MM_MAPPED_END ? r->base : MM_MAPPED_END);
        if (end > top)
            top = end < limit ? end : limit;
    }
    *mapped = 0;
    if (top <= MM_MAPPED_END)
        return above;
    uint64_t nframes = top / FRAME_SIZE;
    uint64_t words = (nframes + 63) / 64;
    uint64_t bm = frame_alloc(&frames, (words * 8 + FRAME_SIZE - 1) / FRAME_SIZE, FRAME_SIZE);
    if (!bm) {
        log_warn("memory: no room below 4 GiB for the map of RAM above it (%s)",
                 fmt_size(a, sizeof(a), words * 8));
        return above;
    }
    frame_init(&high, (uint64_t *)(uintptr_t)bm, nframes);
    for (uint32_t i = 0; i < bi->mmap_count; i++) {
        const struct mem_region *r = &bi->mmap[i];
        uint64_t base = r->base > MM_MAPPED_END ? r->base : MM_MAPPED_END;
        uint64_t end = r->base + r->len > top ? top : r->base + r->len;
        if (r->type != MEM_USABLE || end <= base)
            continue;
        uint64_t left = paging_map_high(base, end - base, low_page);
        frame_add_usable(&high, base, end - base - left);
        *mapped += end - base - left;
    }
    for (uint32_t i = 0; i < bi->mmap_count; i++)
        if (bi->mmap[i].type != MEM_USABLE)
            frame_reserve(&high, bi->mmap[i].base, bi->mmap[i].len);
    return above - *mapped;
}

void mm_init(const struct boot_info *bi)
{
    char a[24], b[24], c[24];
    if (!bi->mmap_count)
        boot_fail("memory", "the boot loader gave no memory map");

    boot = bi;
    frame_init(&frames, bitmap, MM_MAPPED_END / FRAME_SIZE);
    uint64_t usable = 0, unmapped = 0;
    for (uint32_t i = 0; i < bi->mmap_count; i++) {
        if (bi->mmap[i].type != MEM_USABLE)
            continue;
        usable += bi->mmap[i].len;
        unmapped += frame_add_usable(&frames, bi->mmap[i].base, bi->mmap[i].len);
    }
    /* Overlapping entries: whatever any entry calls not usable, is not. */
    for (uint32_t i = 0; i < bi->mmap_count; i++)
        if (bi->mmap[i].type != MEM_USABLE)
            frame_reserve(&frames, bi->mmap[i].base, bi->mmap[i].len);

    uint64_t image = (uint64_t)(__image_end - __image_start);
    frame_reserve(&frames, 0, LOW_MEMORY_END);
    frame_reserve(&frames, (uint64_t)(uintptr_t)__image_start, image);
    frame_reserve(&frames, bi->mbi_phys, bi->mbi_size);
    for (uint32_t i = 0; i < bi->module_count; i++)
        frame_reserve(&frames, bi->modules[i].start, bi->modules[i].end - bi->modules[i].start);

    if (!frames.free)
        boot_fail("memory", "no usable RAM above 1 MiB outside Keel and its modules");
    log_info("memory: %s usable, %s free; reserved: first MiB, Keel %s, boot information, "
             "%u module%s", fmt_size(a, sizeof(a), usable),
             fmt_size(b, sizeof(b), frames.free * FRAME_SIZE), fmt_size(c, sizeof(c), image),
             bi->module_count, bi->module_count == 1 ? "" : "s");
    uint64_t mapped = 0;
    unmapped = unmapped ? init_high(bi, &mapped) : 0;
    if (mapped)
        log_info("memory: %s above 4 GiB, mapped for guests' RAM", fmt_size(a, sizeof(a), mapped));
    if (unmapped)
        log_warn("memory: %s above 4 GiB not used (beyond the %u-bit physical address width or "
                 "the %s Keel maps)", fmt_size(a, sizeof(a), unmapped), paging_phys_bits(),
                 fmt_size(b, sizeof(b), PAGING_HIGH_LIMIT));
}

static uint64_t alloc_locked(uint64_t count, uint64_t align)
{
    spin_lock(&frames_lock);
    uint64_t addr = frame_alloc(&frames, count, align);
    spin_unlock(&frames_lock);
    return addr;
}

uint64_t mm_alloc_frames(uint64_t count, uint64_t align)
{
    uint64_t addr = alloc_locked(count, align);
    if (!addr)
        panic("out of memory: %llu frames aligned to 0x%llx, %llu free",
              (unsigned long long)count, (unsigned long long)align,
              (unsigned long long)frames.free);
    memset((void *)(uintptr_t)addr, 0, count * FRAME_SIZE);
    return addr;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static bool low_page_free(uint64_t p)
{
    bool usable = false;
    for (uint32_t i = 0; i < boot->mmap_count; i++) {
        const struct mem_region *r = &boot->mmap[i];
        if (overlaps(p, FRAME_SIZE, r->base, r->len)) {
            if (r->type != MEM_USABLE)
                return false;
            if (r->base <= p && p + FRAME_SIZE <= r->base + r->len)
                usable = true;
        }
    }
    if (!usable || overlaps(p, FRAME_SIZE, boot->mbi_phys, boot->mbi_size))
        return false;
    for (uint32_t i = 0; i < boot->module_count; i++)
        if (overlaps(p, FRAME_SIZE, boot->modules[i].start,
                     boot->modules[i].end - boot->modules[i].start))
            return false;
    return true;
}

uint64_t mm_alloc_low_page(void)
{
    for (; next_low_page < LOW_MEMORY_END; next_low_page += FRAME_SIZE) {
        if (low_page_free(next_low_page)) {
            next_low_page += FRAME_SIZE;
            return next_low_page - FRAME_SIZE;
        }
    }
    return 0;
}

uint64_t mm_try_alloc_frames(uint64_t count, uint64_t align)
{
    uint64_t addr = 0;
    if (high.nframes) {             /* RAM above 4 GiB first: it is only for this */
        spin_lock(&frames_lock);
        addr = frame_alloc(&high, count, align);
        spin_unlock(&frames_lock);
    }
    if (!addr)
        addr = alloc_locked(count, align);
    if (addr)
        memset((void *)(uintptr_t)addr, 0, count * FRAME_SIZE);
    return addr;
}

void mm_free_frames(uint64_t addr, uint64_t count)
{
    spin_lock(&frames_lock);
    bool ok = frame_free(addr >= MM_MAPPED_END ? &high : &frames, addr, count);
    spin_unlock(&frames_lock);
    if (!ok)
        panic("freeing frames 0x%llx+%llu that are already free", (unsigned long long)addr,
              (unsigned long long)count);
}

uint64_t mm_free_count(void)
{
    return __atomic_load_n(&frames.free, __ATOMIC_RELAXED) +
           __atomic_load_n(&high.free, __ATOMIC_RELAXED);
}
