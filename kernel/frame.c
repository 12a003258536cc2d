#include "kernel/frame.h"

static bool bit_get(const struct frame_alloc *fa, uint64_t f)
{
    return fa->bitmap[f / 64] >> (f % 64) & 1;
}

static void bit_set(struct frame_alloc *fa, uint64_t f, bool used)
{
    uint64_t mask = 1ull << (f % 64);
    if (used)
        fa->bitmap[f / 64] |= mask;
    else
        fa->bitmap[f / 64] &= ~mask;
}

void frame_init(struct frame_alloc *fa, uint64_t *bitmap, uint64_t nframes)
{
    fa->bitmap = bitmap;
    fa->nframes = nframes;
    fa->free = 0;
    fa->hint = 0;
    for (uint64_t i = 0; i < (nframes + 63) / 64; i++)
        bitmap[i] = ~0ull;
}

uint64_t frame_add_usable(struct frame_alloc *fa, uint64_t base, uint64_t len)
{
    uint64_t end = base + len < base ? UINT64_MAX : base + len;
    uint64_t first = (base + FRAME_SIZE - 1) >> FRAME_SHIFT;
    uint64_t last = end >> FRAME_SHIFT;     /* one past */
    uint64_t left_out = 0;

    if (base + FRAME_SIZE - 1 < base)
        return len;
    if (last > fa->nframes) {
        uint64_t cover = fa->nframes << FRAME_SHIFT;
        left_out = end - (base > cover ? base : cover);
        last = fa->nframes;
    }
    for (uint64_t f = first; f < last; f++) {
        if (bit_get(fa, f)) {
            bit_set(fa, f, false);
            fa->free++;
        }
    }
    if (first < fa->hint)
        fa->hint = first;
    return left_out;
}

void frame_reserve(struct frame_alloc *fa, uint64_t base, uint64_t len)
{
    if (len == 0)
        return;
    uint64_t end = base + len < base ? UINT64_MAX : base + len;
    uint64_t first = base >> FRAME_SHIFT;
    uint64_t last = (end >> FRAME_SHIFT) + ((end & (FRAME_SIZE - 1)) != 0);
    if (end == UINT64_MAX)
        last = UINT64_MAX >> FRAME_SHIFT;
    if (last > fa->nframes)
        last = fa->nframes;
    for (uint64_t f = first; f < last; f++) {
        if (!bit_get(fa, f)) {
            bit_set(fa, f, true);
            fa->free--;
        }
    }
}

static bool run_free(const struct frame_alloc *fa, uint64_t f, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++)
        if (bit_get(fa, f + i))
            return false;
    return true;
}

uint64_t frame_alloc(struct frame_alloc *fa, uint64_t count, uint64_t align)
{
    if (count == 0 || count > fa->free || align < FRAME_SIZE || (align & (align - 1)))
        return 0;
    uint64_t step = align >> FRAME_SHIFT;
    uint64_t f = (fa->hint + step - 1) / step * step;
    if (f == 0)
        f = step;               /* frame 0 is never handed out */

    for (; f + count <= fa->nframes; f += step) {
        if (!run_free(fa, f, count))
            continue;
        for (uint64_t i = 0; i < count; i++)
            bit_set(fa, f + i, true);
        fa->free -= count;
        if (step == 1 && f == fa->hint)
            fa->hint = f + count;
        return f << FRAME_SHIFT;
    }
    return 0;
}

bool frame_free(struct frame_alloc *fa, uint64_t addr, uint64_t count)
{
    uint64_t f = addr >> FRAME_SHIFT;
    if (addr & (FRAME_SIZE - 1) || f == 0 || count == 0 || f + count < f ||
        f + count > fa->nframes)
        return false;
    for (uint64_t i = 0; i < count; i++)
        if (!bit_get(fa, f + i))
            return false;
    for (uint64_t i = 0; i < count; i++)
        bit_set(fa, f + i, false);
    fa->free += count;
    if (f < fa->hint)
        fa->hint = f;
    return true;
}

bool frame_is_free(const struct frame_alloc *fa, uint64_t addr)
{
    uint64_t f = addr >> FRAME_SHIFT;
    return f < fa->nframes && !bit_get(fa, f);
}
