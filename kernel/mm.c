#include "kernel/mm.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

extern char __image_start[], __image_end[];

#define LOW_MEMORY_END (1ull << 20)     /* BIOS data, trampolines: never handed out */

static uint64_t bitmap[MM_MAPPED_END / FRAME_SIZE / 64];
static struct frame_alloc frames;
static struct spinlock frames_lock;     /* any CPU may allocate */
static const struct boot_info *boot;
static uint64_t next_low_page = FRAME_SIZE;

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
    if (unmapped)
        log_warn("memory: %s above 4 GiB not used (Keel maps only the first 4 GiB so far)",
                 fmt_size(a, sizeof(a), unmapped));
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
    uint64_t addr = alloc_locked(count, align);
    if (addr)
        memset((void *)(uintptr_t)addr, 0, count * FRAME_SIZE);
    return addr;
}

void mm_free_frames(uint64_t addr, uint64_t count)
{
    spin_lock(&frames_lock);
    bool ok = frame_free(&frames, addr, count);
    spin_unlock(&frames_lock);
    if (!ok)
        panic("freeing frames 0x%llx+%llu that are already free", (unsigned long long)addr,
              (unsigned long long)count);
}

uint64_t mm_free_count(void)
{
    return __atomic_load_n(&frames.free, __ATOMIC_RELAXED);
}
