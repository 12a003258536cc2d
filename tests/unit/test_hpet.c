// unit: vmx/dev/hpet.c
/* The HPET (vmx/dev/hpet.c) as Linux 6.1 drives it: hpet_enable's checks
 * (the configuration register is there, a sane period, no unknown bits
 * once it has cleared what it knows, the counter counts), the clocksource
 * read (32 bits of the counter), drivers/char/hpet.c's 64-bit accesses. */
#include "vmx/dev/hpet.h"
#include "unit.h"

static struct vhpet h;

static uint64_t rd32(unsigned off, uint64_t now)
{
    return vhpet_read(&h, off, 4, now);
}

TEST(hpet_ticks_from_tsc)
{
    CHECK_EQ(hpet_ticks(0, 100000000), 0);
    CHECK_EQ(hpet_ticks(100000000, 100000000), HPET_HZ);        /* one second */
    CHECK_EQ(hpet_ticks(7, 100000000), 7);                      /* Bochs: one a TSC tick */
    CHECK_EQ(hpet_ticks(3500000000ull * 3600, 3500000000ull), 3600ull * HPET_HZ);
    CHECK_EQ(hpet_ticks(3500000000ull * 3600 + 35, 3500000000ull), 3600ull * HPET_HZ + 1);
    /* floor(tsc * HPET_HZ / hz) where the product overflows 64 bits */
    uint64_t tsc = 0xfedcba9876543210ull, hz = 2100000000ull;
    unsigned __int128 want = (unsigned __int128)tsc * HPET_HZ / hz;
    CHECK_EQ(hpet_ticks(tsc, hz), (uint64_t)want);
}

/* What hpet_enable reads and checks before it registers the clocksource. */
TEST(linux_hpet_enable_accepts_it)
{
    vhpet_reset(&h);
    CHECK(rd32(HPET_CONFIG, 0) != 0xffffffff);          /* hpet_cfg_working */
    uint32_t period = (uint32_t)rd32(HPET_CAP + 4, 0);
    CHECK(period >= 100000 && period <= 100000000);     /* HPET_MIN/MAX_PERIOD */
    CHECK_EQ(1000000000000000ull / period, HPET_HZ);
    uint32_t id = (uint32_t)rd32(HPET_CAP, 0);
    CHECK_EQ(id, HPET_ID_LOW);
    CHECK_EQ((id >> 8 & 0x1f) + 1, 3);                  /* channels: at least two */
    CHECK(!(id & 1u << 15));                            /* no legacy replacement route */
    CHECK(id & 1u << 13);                               /* a 64-bit counter */
    /* the global config less ENABLE and LEGACY: no unknown bits */
    uint32_t cfg = (uint32_t)rd32(HPET_CONFIG, 0) & ~3u;
    CHECK_EQ(cfg, 0);
    vhpet_write(&h, HPET_CONFIG, 4, cfg, 0);
    for (unsigned i = 0; i < HPET_TIMERS; i++) {
        uint32_t t = (uint32_t)rd32(HPET_TIMER(i), 0);
        t &= ~(HPET_TN_ENABLE | HPET_TN_LEVEL | 1u << 14);
        vhpet_write(&h, HPET_TIMER(i), 4, t, 0);
        t &= ~(HPET_TN_PERIODIC | HPET_TN_PERIODIC_CAP | HPET_TN_64BIT_CAP | HPET_TN_32BIT |
               0x3e00u | 1u << 14 | 1u << 15);
        CHECK_EQ(t, 0);                                 /* "Channel #%u config: Unknown bits" */
        CHECK_EQ(vhpet_read(&h, HPET_TIMER(i), 8, 0) >> 32, 0);     /* no interrupt route */
    }
    /* hpet_counting: stop, clear, start, and it runs */
    vhpet_write(&h, HPET_CONFIG, 4, 0, 100);
    vhpet_write(&h, HPET_COUNTER, 4, 0, 100);
    vhpet_write(&h, HPET_COUNTER + 4, 4, 0, 100);
    vhpet_write(&h, HPET_CONFIG, 4, HPET_CFG_ENABLE, 200);
    CHECK_EQ(rd32(HPET_COUNTER, 200), 0);
    CHECK_EQ(rd32(HPET_COUNTER, 1200), 1000);
}

TEST(counter_runs_only_while_enabled)
{
    vhpet_reset(&h);
    CHECK_EQ(vhpet_read(&h, HPET_COUNTER, 8, 5000), 0);    /* halted at power-up */
    vhpet_write(&h, HPET_CONFIG, 8, HPET_CFG_ENABLE, 5000);
    CHECK_EQ(vhpet_read(&h, HPET_COUNTER, 8, 5000), 0);
    CHECK_EQ(vhpet_read(&h, HPET_COUNTER, 8, 8000), 3000);
    vhpet_write(&h, HPET_CONFIG, 8, 0, 9000);              /* halted: it holds */
    CHECK_EQ(vhpet_read(&h, HPET_COUNTER, 8, 20000), 4000);
    vhpet_write(&h, HPET_COUNTER, 8, 0xfffffffffffff000ull, 20000);   /* set while halted */
    vhpet_write(&h, HPET_CONFIG, 8, HPET_CFG_ENABLE | 2, 30000);      /* LEG_RT_CNF: not kept */
    CHECK_EQ(vhpet_read(&h, HPET_CONFIG, 8, 30000), HPET_CFG_ENABLE);
    CHECK_EQ(vhpet_read(&h, HPET_COUNTER, 8, 30000 + 0x1000), 0);     /* wraps at 64 bits */
    CHECK_EQ(rd32(HPET_COUNTER + 4, 30000 + 0xfff), 0xffffffff);       /* the high half */
    /* a 32-bit write to one half keeps the other */
    vhpet_write(&h, HPET_COUNTER + 4, 4, 5, 40000);
    CHECK_EQ(vhpet_read(&h, HPET_COUNTER, 8, 40000), 5ull << 32 | (uint32_t)(40000 - 30000 - 0x1000));
}

TEST(comparators_hold_what_is_written)
{
    vhpet_reset(&h);
    for (unsigned i = 0; i < HPET_TIMERS; i++)
        CHECK_EQ(vhpet_read(&h, HPET_CMP(i), 8, 0), ~0ull);          /* reset value */
    vhpet_write(&h, HPET_CMP(1), 8, 0x123456789ull, 0);
    CHECK_EQ(vhpet_read(&h, HPET_CMP(1), 8, 0), 0x123456789ull);
    vhpet_write(&h, HPET_TIMER(1), 8, HPET_TN_32BIT | HPET_TN_ENABLE | HPET_TN_SETVAL, 0);
    CHECK_EQ(rd32(HPET_TIMER(1), 0), HPET_TN_32BIT | HPET_TN_ENABLE | HPET_TN_64BIT_CAP);
    vhpet_write(&h, HPET_CMP(1), 8, 0x987654321ull, 0);                /* 32-bit mode */
    CHECK_EQ(vhpet_read(&h, HPET_CMP(1), 8, 0), 0x87654321ull);
    /* periodic mode on timer 0 only */
    vhpet_write(&h, HPET_TIMER(2), 4, HPET_TN_PERIODIC, 0);
    CHECK_EQ(rd32(HPET_TIMER(2), 0), HPET_TN_64BIT_CAP);
    vhpet_write(&h, HPET_TIMER(0), 4, HPET_TN_PERIODIC, 0);
    CHECK_EQ(rd32(HPET_TIMER(0), 0), HPET_TN_PERIODIC | HPET_TN_PERIODIC_CAP | HPET_TN_64BIT_CAP);
}

TEST(odd_accesses_and_read_only_registers)
{
    vhpet_reset(&h);
    vhpet_write(&h, HPET_CAP, 8, 0, 0);                    /* read-only */
    CHECK_EQ(vhpet_read(&h, HPET_CAP, 8, 0), (uint64_t)HPET_PERIOD_FS << 32 | HPET_ID_LOW);
    vhpet_write(&h, HPET_STATUS, 8, ~0ull, 0);
    CHECK_EQ(vhpet_read(&h, HPET_STATUS, 8, 0), 0);        /* no interrupt is ever active */
    CHECK_EQ(vhpet_read(&h, HPET_CAP, 2, 0), 0);           /* not 4 or 8 bytes */
    CHECK_EQ(vhpet_read(&h, HPET_CAP + 2, 4, 0), 0);       /* not aligned */
    CHECK_EQ(vhpet_read(&h, HPET_CAP + 4, 8, 0), 0);
    CHECK_EQ(vhpet_read(&h, 0x3f8, 8, 0), 0);              /* reserved */
    CHECK_EQ(vhpet_read(&h, HPET_MMIO_SIZE, 4, 0), 0);     /* past the block */
    CHECK_EQ(vhpet_read(&h, 0xff8, 8, 0), 0);
    vhpet_write(&h, HPET_CONFIG, 2, HPET_CFG_ENABLE, 0);   /* dropped */
    CHECK_EQ(vhpet_read(&h, HPET_CONFIG, 8, 0), 0);
    CHECK_EQ(vhpet_read(&h, HPET_TIMER(HPET_TIMERS), 8, 0), 0);   /* no fourth timer */
    vhpet_write(&h, HPET_CMP(HPET_TIMERS), 8, 1, 0);
    CHECK_EQ(vhpet_read(&h, HPET_CMP(HPET_TIMERS), 8, 0), 0);
}
