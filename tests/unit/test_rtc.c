// unit: vmx/dev/rtc.c
/* The MC146818 (vmx/dev/rtc.c) as Linux 6.1 reads it (mc146818_get_time
 * with mc146818_avoid_UIP, rtc-cmos's probe and alarms, hwclock's set
 * with SET), and the data sheet's registers A-D. */
#include "vmx/dev/rtc.h"
#include "unit.h"

#define HZ RTC_HZ
#define T2024 1709210096ll              /* 2024-02-29 12:34:56, a Thursday */

static struct vrtc r;

static uint8_t rd(unsigned reg, uint64_t now)
{
    vrtc_write(&r, 0, (uint8_t)reg, now);
    return vrtc_read(&r, 1, now);
}

static void wr(unsigned reg, uint8_t val, uint64_t now)
{
    vrtc_write(&r, 0, (uint8_t)reg, now);
    vrtc_write(&r, 1, val, now);
}

TEST(calendar)
{
    struct rtc_time t = { .year = 1970, .month = 1, .day = 1 };
    CHECK_EQ(rtc_time_to_unix(&t), 0);
    t = (struct rtc_time){ .year = 2000, .month = 1, .day = 1 };
    CHECK_EQ(rtc_time_to_unix(&t), 946684800);
    t = (struct rtc_time){ .year = 2024, .month = 2, .day = 29, .hour = 12, .minute = 34,
                           .second = 56 };
    CHECK_EQ(rtc_time_to_unix(&t), T2024);
    t = (struct rtc_time){ .year = 2038, .month = 1, .day = 19, .hour = 3, .minute = 14,
                           .second = 8 };
    CHECK_EQ(rtc_time_to_unix(&t), 1ll << 31);
    t = (struct rtc_time){ .year = 2023, .month = 14, .day = 31 };     /* carries over */
    CHECK_EQ(rtc_time_to_unix(&t), rtc_time_to_unix(&(struct rtc_time){ .year = 2024,
                                                                         .month = 3, .day = 2 }));
    rtc_unix_to_time(T2024, &t);
    CHECK(t.year == 2024 && t.month == 2 && t.day == 29 && t.hour == 12 && t.minute == 34 &&
          t.second == 56 && t.weekday == 4);
    rtc_unix_to_time(0, &t);
    CHECK_EQ(t.weekday, 4);                             /* 1970-01-01: Thursday */
    for (int64_t s = -5 * 86400; s < 5000000000ll; s += 86399 * 7 + 12345) {
        rtc_unix_to_time(s, &t);
        if (rtc_time_to_unix(&t) != s)
            UNIT_FAIL("%lld does not come back", (long long)s);
    }
}

/* mc146818_get_time: wait for UIP to clear, read the time registers
 * (BCD unless B says binary), the century from the FADT's register. */
static int64_t linux_get_time(uint64_t now)
{
    for (int i = 0; i < 100 && (rd(RTC_REG_A, now) & RTC_A_UIP); i++)
        now += 4;                                       /* udelay(100) */
    uint8_t regs[10];
    for (unsigned i = 0; i < 10; i++)
        regs[i] = rd(i, now);
    uint8_t b = rd(RTC_REG_B, now);
    return rtc_regs_to_unix(regs, rd(RTC_CENTURY, now), b);
}

TEST(reads_the_time_it_was_given_and_runs)
{
    vrtc_reset(&r, T2024, 1000);
    CHECK_EQ(rd(RTC_REG_A, 1000), 0x26);
    CHECK_EQ(rd(RTC_REG_B, 1000), 0x02);                /* 24-hour BCD */
    CHECK_EQ(rd(RTC_REG_D, 1000), 0x80);                /* battery good */
    CHECK_EQ(rd(RTC_SECONDS, 1000), 0x56);
    CHECK_EQ(rd(RTC_MINUTES, 1000), 0x34);
    CHECK_EQ(rd(RTC_HOURS, 1000), 0x12);
    CHECK_EQ(rd(RTC_DAY_OF_WEEK, 1000), 5);             /* Thursday: Sunday is 1 */
    CHECK_EQ(rd(RTC_DAY_OF_MONTH, 1000), 0x29);
    CHECK_EQ(rd(RTC_MONTH, 1000), 0x02);
    CHECK_EQ(rd(RTC_YEAR, 1000), 0x24);
    CHECK_EQ(rd(RTC_CENTURY, 1000), 0x20);
    CHECK_EQ(linux_get_time(1000), T2024);
    CHECK_EQ(linux_get_time(1000 + HZ - 9), T2024);
    CHECK_EQ(linux_get_time(1000 + HZ), T2024 + 1);
    CHECK_EQ(linux_get_time(1000 + 3600ull * HZ), T2024 + 3600);
    /* a day, a month (leap February), a year and a century roll over */
    CHECK_EQ(linux_get_time(1000 + (11ull * 3600 + 25 * 60 + 4) * HZ), T2024 + 41104);
    CHECK_EQ(rd(RTC_DAY_OF_MONTH, 1000 + 41104ull * HZ), 0x01);
    CHECK_EQ(rd(RTC_MONTH, 1000 + 41104ull * HZ), 0x03);
    vrtc_reset(&r, 4102444799ll, 0);                    /* 2099-12-31 23:59:59 */
    CHECK_EQ(rd(RTC_YEAR, HZ), 0x00);
    CHECK_EQ(rd(RTC_CENTURY, HZ), 0x21);
    CHECK_EQ(linux_get_time(HZ), 4102444800ll);
}

/* mc146818_avoid_UIP: UIP is set in the 244 us before each update. */
TEST(uip_before_each_update)
{
    vrtc_reset(&r, T2024, 0);
    CHECK(!(rd(RTC_REG_A, 0) & RTC_A_UIP));
    CHECK(!(rd(RTC_REG_A, HZ - 9) & RTC_A_UIP));
    CHECK(rd(RTC_REG_A, HZ - 8) & RTC_A_UIP);
    CHECK(rd(RTC_REG_A, HZ - 1) & RTC_A_UIP);
    CHECK(!(rd(RTC_REG_A, HZ) & RTC_A_UIP));
    wr(RTC_REG_B, RTC_B_SET | RTC_B_24H, 0);            /* stopped: no update to come */
    CHECK(!(rd(RTC_REG_A, HZ - 1) & RTC_A_UIP));
}

TEST(port_0x70)
{
    vrtc_reset(&r, T2024, 0);
    vrtc_write(&r, 0, 0x80 | RTC_SECONDS, 0);           /* NMI mask bit: ignored */
    CHECK_EQ(vrtc_read(&r, 1, 0), 0x56);
    CHECK_EQ(vrtc_read(&r, 0, 0), 0xff);                /* the index reads all ones */
    wr(0x0e, 0xa5, 0);                                  /* CMOS RAM */
    wr(0x7f, 0x5a, 0);
    wr(0x80 | 0x10, 0x11, 0);                           /* 0x90 is 0x10 */
    CHECK_EQ(rd(0x0e, 5 * HZ), 0xa5);
    CHECK_EQ(rd(0x7f, 5 * HZ), 0x5a);
    CHECK_EQ(rd(0x10, 5 * HZ), 0x11);
    CHECK_EQ(rd(0x11, 5 * HZ), 0);
    wr(RTC_REG_D, 0, 0);                                /* read-only */
    CHECK_EQ(rd(RTC_REG_D, 0), 0x80);
    struct vrtc other;
    vrtc_reset(&other, 0, 0);
    vrtc_write(&other, 0, 0x0e, 0);
    CHECK_EQ(vrtc_read(&other, 1, 0), 0);               /* each guest its own */
}

/* hwclock --systohc (rtc-cmos's cmos_set_time): SET, the registers, SET
 * off; the clock runs from the new time a second later. */
TEST(set_with_the_set_bit)
{
    vrtc_reset(&r, T2024, 0);
    wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H, 0);
    wr(RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H, 10);
    CHECK_EQ(rd(RTC_REG_B, 10), RTC_B_SET | RTC_B_24H);     /* SET clears UIE */
    CHECK_EQ(rd(RTC_SECONDS, 5 * HZ), 0x56);            /* held while SET */
    wr(RTC_YEAR, 0x25, 100);
    wr(RTC_MONTH, 0x12, 100);
    wr(RTC_DAY_OF_MONTH, 0x31, 100);
    wr(RTC_HOURS, 0x23, 100);
    wr(RTC_MINUTES, 0x59, 100);
    wr(RTC_SECONDS, 0x58, 100);
    CHECK_EQ(rd(RTC_SECONDS, 100), 0x58);
    wr(RTC_REG_B, RTC_B_24H, 7 * HZ);
    CHECK_EQ(linux_get_time(7 * HZ), 1767225598ll);    /* 2025-12-31 23:59:58 */
    CHECK_EQ(linux_get_time(9 * HZ), 1767225600ll);    /* 2026-01-01 00:00:00 */
    CHECK_EQ(rd(RTC_CENTURY, 9 * HZ), 0x20);
    /* a field written while running changes that field only */
    wr(RTC_MINUTES, 0x30, 9 * HZ + 100);
    CHECK_EQ(linux_get_time(9 * HZ + 200), 1767225600ll + 30 * 60);
    CHECK_EQ(linux_get_time(10 * HZ), 1767225601ll + 30 * 60);
    /* the divider held in reset stops it too */
    wr(RTC_REG_A, 0x70, 11 * HZ);
    CHECK_EQ(linux_get_time(100 * HZ), 1767225602ll + 30 * 60);
    wr(RTC_REG_A, 0x26, 100 * HZ);
    CHECK_EQ(linux_get_time(101 * HZ), 1767225603ll + 30 * 60);
}

TEST(binary_and_12_hour)
{
    vrtc_reset(&r, T2024, 0);
    wr(RTC_REG_B, RTC_B_DM_BINARY, 0);                  /* binary, 12-hour */
    CHECK_EQ(rd(RTC_HOURS, 0), 0x80 | 12);              /* 12 PM */
    CHECK_EQ(rd(RTC_SECONDS, 0), 56);
    CHECK_EQ(rd(RTC_YEAR, 0), 24);
    CHECK_EQ(rd(RTC_CENTURY, 0), 20);
    CHECK_EQ(linux_get_time(0), T2024);
    CHECK_EQ(rd(RTC_HOURS, 3600ull * HZ * 12), 12);     /* 00:34: 12 AM */
    CHECK_EQ(rd(RTC_HOURS, 3600ull * HZ * 13), 1);
    wr(RTC_REG_B, RTC_B_24H, 0);
    CHECK_EQ(rd(RTC_HOURS, 3600ull * HZ * 13), 0x01);
    CHECK_EQ(rd(RTC_HOURS, 3600ull * HZ * 11), 0x23);
}

/* Register C: the flags come whether or not enabled; IRQF only for an
 * enabled one; reading C clears them all. */
TEST(update_and_periodic_flags)
{
    vrtc_reset(&r, T2024, 0);
    CHECK_EQ(rd(RTC_REG_C, 100), RTC_C_PF);             /* rate 6 at reset: PF comes, not enabled */
    wr(RTC_REG_A, 0x20, 100);                           /* no periodic rate */
    CHECK_EQ(rd(RTC_REG_C, 100), 0);
    CHECK_EQ(vrtc_next_event(&r, 100), 0);              /* nothing enabled */
    CHECK_EQ(rd(RTC_REG_C, HZ), RTC_C_UF);              /* an update, not enabled */
    CHECK_EQ(rd(RTC_REG_C, HZ + 5), 0);                 /* read: cleared */
    wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H, HZ + 10);
    CHECK_EQ(vrtc_next_event(&r, HZ + 10), 2 * HZ);
    CHECK(!vrtc_update(&r, 2 * HZ - 1));
    CHECK(vrtc_update(&r, 2 * HZ));                     /* IRQF rises */
    CHECK_EQ(vrtc_next_event(&r, 2 * HZ), 0);           /* until C is read */
    CHECK_EQ(rd(RTC_REG_C, 2 * HZ + 1), RTC_C_IRQF | RTC_C_UF);
    CHECK(!vrtc_update(&r, 2 * HZ + 2));
    /* periodic at 1024 Hz (rate 6): every 32 ticks */
    wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H, 2 * HZ + 3);
    wr(RTC_REG_A, 0x26, 2 * HZ + 3);
    CHECK_EQ(vrtc_next_event(&r, 2 * HZ + 3), 2 * HZ + 32);
    CHECK(vrtc_update(&r, 2 * HZ + 40));
    CHECK_EQ(rd(RTC_REG_C, 2 * HZ + 40), RTC_C_IRQF | RTC_C_PF);
    wr(RTC_REG_A, 0x20, 2 * HZ + 50);                   /* rate 0: none */
    CHECK_EQ(vrtc_next_event(&r, 2 * HZ + 50), 0);
    /* enabling an event already flagged raises IRQF at once */
    wr(RTC_REG_B, RTC_B_24H, 2 * HZ + 60);
    CHECK(!vrtc_update(&r, 3 * HZ));
    wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H, 3 * HZ + 1);
    CHECK(vrtc_update(&r, 3 * HZ + 1));
    wr(RTC_REG_B, RTC_B_24H, 3 * HZ + 2);              /* and disabling drops it */
    CHECK(!vrtc_update(&r, 3 * HZ + 2));
}

/* rtc-cmos's alarms: hours, minutes, seconds, each "don't care" with
 * 0xc0-0xff. */
TEST(alarm)
{
    vrtc_reset(&r, T2024, 0);                           /* 12:34:56 */
    wr(RTC_HOURS_ALARM, 0x12, 0);
    wr(RTC_MINUTES_ALARM, 0x35, 0);
    wr(RTC_SECONDS_ALARM, 0x10, 0);
    wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H, 0);
    CHECK_EQ(vrtc_next_event(&r, 0), 14ull * HZ);       /* 12:35:10 */
    CHECK(!vrtc_update(&r, 14ull * HZ - 1));
    CHECK(vrtc_update(&r, 14ull * HZ));
    CHECK_EQ(rd(RTC_REG_C, 14ull * HZ), RTC_C_IRQF | RTC_C_PF | RTC_C_AF | RTC_C_UF);
    CHECK_EQ(vrtc_next_event(&r, 14ull * HZ), (14ull + 86400) * HZ);   /* tomorrow */
    wr(RTC_SECONDS_ALARM, 0xff, 15ull * HZ);            /* any second of 12:35 */
    CHECK_EQ(vrtc_next_event(&r, 15ull * HZ), 16ull * HZ);
    wr(RTC_MINUTES_ALARM, 0xc0, 15ull * HZ);
    wr(RTC_HOURS_ALARM, 0xc0, 15ull * HZ);              /* every second */
    CHECK_EQ(vrtc_next_event(&r, 15ull * HZ + 7), 16ull * HZ);
    wr(RTC_HOURS_ALARM, 0x13, 15ull * HZ);              /* any minute and second of 13:xx */
    CHECK_EQ(vrtc_next_event(&r, 15ull * HZ), (4ull + 60 + 24 * 60) * HZ);
    wr(RTC_HOURS_ALARM, 0x25, 15ull * HZ);              /* never */
    CHECK_EQ(vrtc_next_event(&r, 15ull * HZ), 0);
    /* an alarm passed in a long gap is flagged once the guest looks */
    wr(RTC_HOURS_ALARM, 0x03, 20ull * HZ);
    wr(RTC_MINUTES_ALARM, 0x00, 20ull * HZ);
    wr(RTC_SECONDS_ALARM, 0x00, 20ull * HZ);
    rd(RTC_REG_C, 20ull * HZ);
    CHECK_EQ(rd(RTC_REG_C, 20ull * 86400 * HZ) & RTC_C_AF, RTC_C_AF);
}
