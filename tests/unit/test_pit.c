// unit: vmx/dev/pit.c
#include "vmx/dev/pit.h"
#include "unit.h"

static struct vpit p;

/* Program channel `ch`: mode, LSB then MSB, the count. */
static void program(unsigned ch, unsigned mode, unsigned count, uint64_t now)
{
    vpit_write(&p, 3, (uint8_t)(ch << 6 | 0x30 | mode << 1), now);
    vpit_write(&p, ch, (uint8_t)count, now);
    vpit_write(&p, ch, (uint8_t)(count >> 8), now);
}

/* Counter latch command, then LSB and MSB. */
static unsigned latched(unsigned ch, uint64_t now)
{
    vpit_write(&p, 3, (uint8_t)(ch << 6), now);
    unsigned lo = vpit_read(&p, ch, now + 1000);    /* the latch holds */
    return lo | vpit_read(&p, ch, now + 2000) << 8;
}

TEST(pit_ticks_from_tsc)
{
    CHECK_EQ(pit_ticks(0, 100000000), 0);
    CHECK_EQ(pit_ticks(100000000, 100000000), PIT_HZ);          /* one second */
    CHECK_EQ(pit_ticks(50000000, 100000000), PIT_HZ / 2);
    CHECK_EQ(pit_ticks(3000000000ull * 3600, 3000000000ull), 3600ull * PIT_HZ);
    /* floor(tsc * PIT_HZ / hz) exactly, also where tsc * PIT_HZ overflows 64 bits */
    uint64_t tsc = 0xfedcba9876543210ull, hz = 2100000000ull;
    CHECK_EQ(pit_ticks(tsc, hz), (uint64_t)((unsigned __int128)tsc * PIT_HZ / hz));
    /* monotonic across a second boundary */
    CHECK(pit_ticks(hz - 1, hz) <= pit_ticks(hz, hz));
}

TEST(mode0_counts_down_then_out_rises)
{
    vpit_reset(&p, 0);
    program(0, 0, 1000, 100);
    CHECK_EQ(vpit_counter(&p.ch[0], 100), 1000);
    CHECK_EQ(vpit_counter(&p.ch[0], 350), 750);
    CHECK(!vpit_out(&p.ch[0], 1099));
    CHECK(vpit_out(&p.ch[0], 1100));
    CHECK_EQ(vpit_counter(&p.ch[0], 1101), 0xffff);    /* goes on through 0xffff */
    CHECK_EQ(latched(0, 600), 500);
}

TEST(word_reads_alternate_lsb_msb)
{
    vpit_reset(&p, 0);
    program(0, 0, 0x1234, 0);
    CHECK_EQ(vpit_read(&p, 0, 0), 0x34);
    CHECK_EQ(vpit_read(&p, 0, 0), 0x12);
    CHECK_EQ(vpit_read(&p, 0, 0x100), 0x34);    /* 0x1134: LSB */
    CHECK_EQ(vpit_read(&p, 0, 0x100), 0x11);
}

TEST(msb_only_access_for_quick_calibration)
{
    /* Linux quick_pit_calibrate: mode 0, count 0xffff, then reads the
     * MSB (two reads: LSB discarded) and waits for it to fall. */
    vpit_reset(&p, 0);
    program(2, 0, 0xffff, 0);
    unsigned lo = vpit_read(&p, 2, 256), hi = vpit_read(&p, 2, 256);
    CHECK_EQ(lo | hi << 8, 0xffff - 256);
    vpit_write(&p, 3, 0xa0, 300);            /* channel 2, MSB only, mode 0 */
    vpit_write(&p, 2, 0x80, 300);            /* count 0x8000 */
    CHECK_EQ(vpit_read(&p, 2, 300 + 0x100), 0x7f);
    CHECK_EQ(vpit_read(&p, 2, 300 + 0x200), 0x7e);
}

TEST(mode2_and_mode3_reload)
{
    vpit_reset(&p, 0);
    program(0, 2, 100, 0);
    CHECK_EQ(vpit_counter(&p.ch[0], 30), 70);
    CHECK_EQ(vpit_counter(&p.ch[0], 130), 70);
    CHECK(vpit_out(&p.ch[0], 200));
    CHECK(!vpit_out(&p.ch[0], 201));
    program(1, 3, 100, 0);
    CHECK_EQ(vpit_counter(&p.ch[1], 10), 80);   /* by two */
    CHECK(vpit_out(&p.ch[1], 49));
    CHECK(!vpit_out(&p.ch[1], 50));
    CHECK(vpit_out(&p.ch[1], 100));
    program(0, 6, 100, 0);                      /* 6 is mode 2 */
    CHECK_EQ(p.ch[0].mode, 2);
    program(0, 7, 100, 0);                      /* 7 is mode 3 */
    CHECK_EQ(p.ch[0].mode, 3);
}

TEST(count_zero_is_65536)
{
    vpit_reset(&p, 0);
    program(0, 2, 0, 0);
    CHECK_EQ(p.ch[0].count, 0x10000);
    CHECK_EQ(vpit_counter(&p.ch[0], 1), 0xffff);
}

TEST(latch_holds_until_read_second_latch_ignored)
{
    vpit_reset(&p, 0);
    program(0, 0, 5000, 0);
    vpit_write(&p, 3, 0x00, 1000);
    vpit_write(&p, 3, 0x00, 2000);              /* ignored: not read yet */
    CHECK_EQ(vpit_read(&p, 0, 3000), (4000 & 0xff));
    CHECK_EQ(vpit_read(&p, 0, 3000), 4000 >> 8);
    CHECK_EQ(latched(0, 4000), 1000);
}

TEST(read_back_status_and_count)
{
    vpit_reset(&p, 0);
    program(2, 0, 100, 0);
    /* read-back, channel 2, status and count */
    vpit_write(&p, 3, 0xc0 | 0x08, 150);
    CHECK_EQ(vpit_read(&p, 2, 150), 0x80 | 0x30 | 0 << 1);  /* OUT high, LSB/MSB, mode 0 */
    unsigned lo = vpit_read(&p, 2, 500);
    CHECK_EQ(lo | vpit_read(&p, 2, 500) << 8, (uint16_t)(100 - 150));
    CHECK_EQ(vpit_read(&p, 3, 0), 0);           /* the control word reads 0 */
}

TEST(port61_gate_out2_refresh)
{
    vpit_reset(&p, 0);
    uint8_t a = vpit_port61_read(&p, 0), b = vpit_port61_read(&p, 0);
    CHECK_EQ((a ^ b) & 0x10, 0x10);             /* refresh toggles */
    CHECK_EQ(a & 1, 0);                         /* gate 2 low at reset */
    /* Linux pit_calibrate_tsc: gate on, speaker off, mode 0, poll bit 5 */
    vpit_port61_write(&p, (uint8_t)((a & ~0x02) | 0x01), 10);
    program(2, 0, 11932, 10);
    CHECK_EQ(vpit_port61_read(&p, 11941) & 0x21, 0x01);
    CHECK_EQ(vpit_port61_read(&p, 11942) & 0x21, 0x21);
    vpit_port61_write(&p, 0x03, 20000);
    CHECK_EQ(vpit_port61_read(&p, 20000) & 0x03, 0x03);
}

TEST(rising_gate_restarts_mode2_not_mode0)
{
    vpit_reset(&p, 0);
    program(2, 2, 1000, 0);
    vpit_port61_write(&p, 1, 400);
    CHECK_EQ(vpit_counter(&p.ch[2], 500), 900);
    program(2, 0, 1000, 1000);
    vpit_port61_write(&p, 0, 1100);
    vpit_port61_write(&p, 1, 1200);
    CHECK_EQ(vpit_counter(&p.ch[2], 1300), 700);
}

TEST(reset_state_is_the_bios_one)
{
    vpit_reset(&p, 77);
    CHECK_EQ(p.ch[0].mode, 2);
    CHECK_EQ(p.ch[0].count, 0x10000);
    CHECK_EQ(p.ch[2].mode, 3);
    CHECK(!p.ch[2].gate);
    CHECK(p.ch[0].gate);
    CHECK_EQ(vpit_counter(&p.ch[0], 77 + 10), 0x10000 - 10);
}

TEST(pit_tsc_is_the_inverse_rounded_up)
{
    static const uint64_t hz[] = { 100000000ull, 2893441000ull, 3500000000ull, 1193182ull };
    for (unsigned h = 0; h < 4; h++)
        for (uint64_t t = 0; t < 5000000; t += 9973) {
            uint64_t tsc = pit_tsc(t, hz[h]);
            CHECK(pit_ticks(tsc, hz[h]) >= t);
            CHECK(!tsc || pit_ticks(tsc - 1, hz[h]) < t);
        }
    CHECK_EQ(pit_tsc(PIT_HZ, 100000000), 100000000);
    CHECK_EQ(pit_tsc(1, 100000000), 84);        /* 83.8 ticks of 100 MHz */
}

TEST(channel0_periodic_interrupts_each_period)
{
    vpit_reset(&p, 0);
    program(0, 2, 1000, 5000);
    CHECK_EQ(p.irq_next, 6000);
    CHECK(!vpit_irq_due(&p, 5999));
    CHECK(vpit_irq_due(&p, 6000));
    CHECK_EQ(p.irq_next, 7000);
    CHECK(!vpit_irq_due(&p, 6000));
    /* late by two and a half periods: one interrupt, the next on the grid */
    CHECK(vpit_irq_due(&p, 9500));
    CHECK_EQ(p.irq_next, 10000);
    /* mode 3 the same */
    program(0, 3, 500, 20000);
    CHECK_EQ(p.irq_next, 20500);
    CHECK(vpit_irq_due(&p, 20500));
    CHECK_EQ(p.irq_next, 21000);
}

TEST(channel0_one_shot_modes_0_and_4)
{
    vpit_reset(&p, 0);
    program(0, 0, 300, 100);
    CHECK_EQ(p.irq_next, 400);
    CHECK(vpit_irq_due(&p, 450));
    CHECK_EQ(p.irq_next, 0);
    CHECK(!vpit_irq_due(&p, 100000));
    program(0, 4, 0, 1000);                     /* Linux's one-shot: mode 4; 0 is 65536 */
    CHECK_EQ(p.irq_next, 1000 + 0x10000);
    CHECK(vpit_irq_due(&p, 1000 + 0x10000));
    CHECK(!vpit_irq_due(&p, 1000 + 0x20000));
}

TEST(channel0_control_word_stops_until_the_count)
{
    vpit_reset(&p, 0);
    CHECK_EQ(p.irq_next, 0x10000);              /* the BIOS's 18.2 Hz tick runs */
    vpit_write(&p, 3, 0x34, 10);                /* channel 0, LSB/MSB, mode 2 */
    CHECK_EQ(p.irq_next, 0);
    vpit_write(&p, 0, 0x9c, 20);
    CHECK_EQ(p.irq_next, 0);                    /* half a count */
    vpit_write(&p, 0, 0x2e, 30);
    CHECK_EQ(p.irq_next, 30 + 0x2e9c);
    /* modes 1 and 5 wait for a gate that channel 0 never sees rise */
    program(0, 1, 100, 40);
    CHECK_EQ(p.irq_next, 0);
    program(0, 5, 100, 40);
    CHECK_EQ(p.irq_next, 0);
    /* other channels leave it alone */
    program(0, 2, 100, 50);
    program(2, 0, 10, 60);
    vpit_write(&p, 3, 0xb6, 70);
    CHECK_EQ(p.irq_next, 150);
    /* a latch command is not a control word */
    vpit_write(&p, 3, 0x00, 80);
    CHECK_EQ(p.irq_next, 150);
}
