// unit: kernel/frame.c
#include "kernel/frame.h"
#include "unit.h"

#define NFRAMES 4096                            /* 16 MiB */
static uint64_t bitmap[NFRAMES / 64];
static struct frame_alloc fa;

static void fresh(void)
{
    frame_init(&fa, bitmap, NFRAMES);
}

TEST(nothing_free_until_added)
{
    fresh();
    CHECK_EQ(fa.free, 0);
    CHECK_EQ(frame_alloc(&fa, 1, FRAME_SIZE), 0);
}

TEST(usable_ram_rounded_inward)
{
    fresh();
    frame_add_usable(&fa, 0x1800, 0x3000);      /* 0x1800..0x4800: frames 2, 3 */
    CHECK_EQ(fa.free, 2);
    CHECK(!frame_is_free(&fa, 0x1000));
    CHECK(frame_is_free(&fa, 0x2000));
    CHECK(frame_is_free(&fa, 0x3000));
    CHECK(!frame_is_free(&fa, 0x4000));
    frame_add_usable(&fa, 0x5000, 0xfff);       /* less than a frame */
    CHECK_EQ(fa.free, 2);
}

TEST(reserve_rounded_outward_and_wins)
{
    fresh();
    frame_add_usable(&fa, 0, 0x10000);
    frame_reserve(&fa, 0x2fff, 2);              /* touches frames 2 and 3 */
    CHECK(!frame_is_free(&fa, 0x2000));
    CHECK(!frame_is_free(&fa, 0x3000));
    CHECK(frame_is_free(&fa, 0x4000));
    CHECK_EQ(fa.free, 14);
    frame_reserve(&fa, 0x2000, 0x2000);         /* reserving twice counts once */
    CHECK_EQ(fa.free, 14);
    frame_reserve(&fa, 0x9000, 0);              /* empty range: nothing */
    CHECK_EQ(fa.free, 14);
}

TEST(frame_zero_never_handed_out)
{
    fresh();
    frame_add_usable(&fa, 0, 0x2000);
    CHECK_EQ(frame_alloc(&fa, 1, FRAME_SIZE), 0x1000);
    CHECK_EQ(frame_alloc(&fa, 1, FRAME_SIZE), 0);
    CHECK_EQ(fa.free, 1);                       /* frame 0 still counted free */
}

TEST(alignment_and_contiguity)
{
    fresh();
    frame_add_usable(&fa, 0x100000, 0x800000);  /* 1..9 MiB */
    uint64_t a = frame_alloc(&fa, 512, 0x200000);
    CHECK_EQ(a, 0x200000);                      /* first 2 MiB boundary inside */
    uint64_t s = frame_alloc(&fa, 1, FRAME_SIZE);
    CHECK_EQ(s, 0x100000);                      /* small ones fill the hole below */
    uint64_t c = frame_alloc(&fa, 3, 0x4000);
    CHECK_EQ(c % 0x4000, 0);
    CHECK(c >= 0x100000 && c + 0x3000 <= 0x200000);
    CHECK_EQ(frame_alloc(&fa, 1, 0x3000), 0);   /* not a power of two */
    CHECK_EQ(frame_alloc(&fa, 1, 0x800), 0);    /* below a frame */
    CHECK_EQ(frame_alloc(&fa, 0, FRAME_SIZE), 0);
}

TEST(run_skips_reserved_holes)
{
    fresh();
    frame_add_usable(&fa, 0x1000, 0x10000);
    frame_reserve(&fa, 0x4000, 0x1000);
    uint64_t a = frame_alloc(&fa, 4, FRAME_SIZE);
    CHECK_EQ(a, 0x5000);                        /* 1..3 too short: hole at 4 */
    CHECK_EQ(frame_alloc(&fa, 3, FRAME_SIZE), 0x1000);
}

TEST(exhaustion_returns_zero)
{
    fresh();
    frame_add_usable(&fa, 0x1000, 0x3000);
    CHECK(frame_alloc(&fa, 3, FRAME_SIZE));
    CHECK_EQ(fa.free, 0);
    CHECK_EQ(frame_alloc(&fa, 1, FRAME_SIZE), 0);
}

TEST(free_and_double_free)
{
    fresh();
    frame_add_usable(&fa, 0x1000, 0x8000);
    uint64_t a = frame_alloc(&fa, 4, FRAME_SIZE);
    CHECK_EQ(fa.free, 4);
    CHECK(frame_free(&fa, a, 4));
    CHECK_EQ(fa.free, 8);
    CHECK(!frame_free(&fa, a, 4));              /* double free refused */
    CHECK(!frame_free(&fa, a + 1, 1));          /* not frame-aligned */
    CHECK(!frame_free(&fa, 0, 1));              /* frame 0 */
    CHECK(!frame_free(&fa, (uint64_t)NFRAMES << 12, 1));    /* beyond the bitmap */
    uint64_t b2 = frame_alloc(&fa, 2, FRAME_SIZE);
    CHECK(!frame_free(&fa, b2, 3));             /* third frame is free: nothing freed */
    CHECK(!frame_is_free(&fa, b2));
    CHECK_EQ(fa.free, 6);
    CHECK(!frame_free(&fa, UINT64_MAX & ~0xfffull, 2));     /* wraps */
}

TEST(memory_beyond_bitmap_counted)
{
    fresh();
    uint64_t end = (uint64_t)NFRAMES << 12;
    CHECK_EQ(frame_add_usable(&fa, end - 0x2000, 0x5000), 0x3000);
    CHECK_EQ(fa.free, 2);
    CHECK_EQ(frame_add_usable(&fa, end + 0x1000, 0x1000), 0x1000);
    CHECK_EQ(fa.free, 2);
    frame_reserve(&fa, end - 0x1000, 0x100000); /* past the end: clipped */
    CHECK_EQ(fa.free, 1);
}

/* Random operations checked against a plain array model. */
TEST(random_operations_match_model)
{
    static bool used[NFRAMES];
    uint64_t seed = 12345;
    fresh();
    for (int i = 0; i < NFRAMES; i++)
        used[i] = true;
    frame_add_usable(&fa, 0x1000, (NFRAMES - 1) * FRAME_SIZE);
    for (int i = 1; i < NFRAMES; i++)
        used[i] = false;

    uint64_t live[512][2];
    int nlive = 0;
    for (int step = 0; step < 20000; step++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(seed >> 33);
        if (nlive < 512 && (r % 3 || nlive == 0)) {
            uint64_t count = 1 + r % 9, align = FRAME_SIZE << (r / 16 % 4);
            uint64_t a = frame_alloc(&fa, count, align);
            if (!a)
                continue;
            CHECK_EQ(a % align, 0);
            for (uint64_t f = 0; f < count; f++) {
                if (used[(a >> 12) + f])
                    UNIT_FAIL("frame 0x%llx handed out twice", (unsigned long long)(a + f * 4096));
                used[(a >> 12) + f] = true;
            }
            live[nlive][0] = a;
            live[nlive++][1] = count;
        } else {
            int k = (int)(r % (unsigned)nlive);
            CHECK(frame_free(&fa, live[k][0], live[k][1]));
            for (uint64_t f = 0; f < live[k][1]; f++)
                used[(live[k][0] >> 12) + f] = false;
            live[k][0] = live[nlive - 1][0];
            live[k][1] = live[--nlive][1];
        }
    }
    uint64_t model_free = 0;
    for (int i = 0; i < NFRAMES; i++) {
        model_free += !used[i];
        if (frame_is_free(&fa, (uint64_t)i << 12) != !used[i])
            UNIT_FAIL("frame %d: allocator and model disagree", i);
    }
    CHECK_EQ(fa.free, model_free);
}
