/* Physical memory: the frame allocator over the loader's memory map. */
#ifndef KEEL_MM_H
#define KEEL_MM_H

#include "kernel/boot_info.h"
#include "kernel/frame.h"

/* boot/entry.asm identity-maps the first 4 GiB, for Keel's own use; RAM
 * above it is mapped by mm_init and used for guests' RAM. */
#define MM_MAPPED_END (4ull << 30)

void mm_init(const struct boot_info *bi);

/* Frames for Keel's own use, from any CPU (a lock keeps the allocator
 * whole); panics when memory runs out (a boot-time
 * sizing bug), so callers need no error path. */
uint64_t mm_alloc_frames(uint64_t count, uint64_t align);
void mm_free_frames(uint64_t addr, uint64_t count);

/* Like mm_alloc_frames, but returns 0 when there is no such run (for
 * sizes a user chose, such as guest RAM); takes RAM above 4 GiB first,
 * where there is any (mapped for this by mm_init). */
uint64_t mm_try_alloc_frames(uint64_t count, uint64_t align);

/* Frames free now (make soak: Keel's own memory use must not grow). */
uint64_t mm_free_count(void);

/* A page below 1 MiB that the loader calls usable and that holds nothing
 * of the boot (the AP trampoline runs there: a SIPI names a page below
 * 1 MiB). 0 when there is none. Never handed out by mm_alloc_frames. */
uint64_t mm_alloc_low_page(void);

#endif
