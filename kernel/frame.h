/* Physical frame allocator: one bit per 4 KiB frame, set = not free.
 * Everything starts not free; usable RAM is added, then what must never be
 * handed out (Keel's image, the boot information, modules, the first MiB)
 * is reserved over it. Pure logic over a caller-supplied bitmap, so the
 * host unit tests drive it directly; kernel/mm.c owns the real one. */
#ifndef KEEL_FRAME_H
#define KEEL_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#define FRAME_SIZE  4096ull
#define FRAME_SHIFT 12

struct frame_alloc {
    uint64_t *bitmap;
    uint64_t nframes;       /* frames the bitmap covers, from address 0 */
    uint64_t free;          /* frames now free */
    uint64_t hint;          /* a frame at or below the first free one */
};

/* bitmap must hold (nframes + 63) / 64 words. */
void frame_init(struct frame_alloc *fa, uint64_t *bitmap, uint64_t nframes);

/* Add usable RAM [base, base+len): only whole frames inside it, and only
 * frames the bitmap covers. Returns the number of bytes left out because
 * they lie beyond the bitmap. */
uint64_t frame_add_usable(struct frame_alloc *fa, uint64_t base, uint64_t len);

/* Never hand out [base, base+len): every frame it touches. */
void frame_reserve(struct frame_alloc *fa, uint64_t base, uint64_t len);

/* Allocate `count` contiguous frames whose first address is a multiple of
 * `align` bytes (a power of two, >= FRAME_SIZE). Returns the physical
 * address, or 0 when there is no such run (frame 0 is never usable). */
uint64_t frame_alloc(struct frame_alloc *fa, uint64_t count, uint64_t align);

/* Give back frames from frame_alloc. Returns false, changing nothing, if
 * any of them is already free (a double free). */
bool frame_free(struct frame_alloc *fa, uint64_t addr, uint64_t count);

bool frame_is_free(const struct frame_alloc *fa, uint64_t addr);

#endif
