/* The MC146818's registers (rtc.h): the time as a count of seconds that
 * runs from a tick, formatted when read; the events of register C
 * computed for the time between two looks, as QEMU's
 * hw/rtc/mc146818rtc.c does. */
#include "vmx/dev/rtc.h"

#define DAY 86400
#define NO_ALARM INT64_MAX
#define UIP_TICKS 8                     /* 244 us at 32768 Hz: UIP before each update */

uint64_t rtc_ticks(uint64_t tsc, uint64_t tsc_hz)
{
    return tsc / tsc_hz * RTC_HZ + tsc % tsc_hz * RTC_HZ / tsc_hz;
}

uint64_t rtc_tsc(uint64_t ticks, uint64_t tsc_hz)
{
    return ticks / RTC_HZ * tsc_hz + (ticks % RTC_HZ * tsc_hz + RTC_HZ - 1) / RTC_HZ;
}

/* Days since 1970-01-01 of a civil date, and back (Howard Hinnant's
 * days_from_civil and civil_from_days, proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t rtc_time_to_unix(const struct rtc_time *t)
{
    /* months past 12 (or below 1) carry into the year; the rest adds up */
    int64_t y = t->year, m = t->month - 1;
    y += m >= 0 ? m / 12 : (m - 11) / 12;
    m -= (m >= 0 ? m / 12 : (m - 11) / 12) * 12;
    int64_t days = days_from_civil(y, (int)m + 1, 1) + t->day - 1;
    return days * DAY + (int64_t)t->hour * 3600 + (int64_t)t->minute * 60 + t->second;
}

void rtc_unix_to_time(int64_t s, struct rtc_time *t)
{
    int64_t z = s >= 0 ? s / DAY : (s - (DAY - 1)) / DAY;
    int64_t secs = s - z * DAY;
    t->weekday = (int)((z % 7 + 11) % 7);       /* 1970-01-01 was a Thursday */
    t->hour = (int)(secs / 3600);
    t->minute = (int)(secs / 60 % 60);
    t->second = (int)(secs % 60);
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    t->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    t->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    t->year = (int)(yoe + era * 400 + (t->month <= 2));
}

/* A register's value in the format register B gives, and back. */
static uint8_t to_reg(int v, uint8_t b)
{
    return b & RTC_B_DM_BINARY ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int from_reg(uint8_t x, uint8_t b)
{
    return b & RTC_B_DM_BINARY ? x : (x >> 4) * 10 + (x & 0x0f);
}

/* Hours: 0-23, or 1-12 with bit 7 for PM. */
static uint8_t hour_to_reg(int h, uint8_t b)
{
    if (b & RTC_B_24H)
        return to_reg(h, b);
    return (uint8_t)(to_reg(h % 12 ? h % 12 : 12, b) | (h >= 12 ? 0x80 : 0));
}

static int hour_from_reg(uint8_t x, uint8_t b)
{
    if (b & RTC_B_24H)
        return from_reg(x, b);
    return from_reg(x & 0x7f, b) % 12 + (x & 0x80 ? 12 : 0);
}

int64_t rtc_regs_to_unix(const uint8_t regs[10], uint8_t century, uint8_t b)
{
    int c = from_reg(century, b);
    struct rtc_time t = {
        .year = (c >= 1 && c <= 99 ? c : 20) * 100 + from_reg(regs[RTC_YEAR], b),
        .month = from_reg(regs[RTC_MONTH], b), .day = from_reg(regs[RTC_DAY_OF_MONTH], b),
        .hour = hour_from_reg(regs[RTC_HOURS], b), .minute = from_reg(regs[RTC_MINUTES], b),
        .second = from_reg(regs[RTC_SECONDS], b),
    };
    return rtc_time_to_unix(&t);
}

/* The time registers (0-9 less the alarms) and the century for second
 * `s`, into regs[] and *century. */
static void format(int64_t s, uint8_t b, uint8_t regs[10], uint8_t *century)
{
    struct rtc_time t;
    rtc_unix_to_time(s, &t);
    regs[RTC_SECONDS] = to_reg(t.second, b);
    regs[RTC_MINUTES] = to_reg(t.minute, b);
    regs[RTC_HOURS] = hour_to_reg(t.hour, b);
    regs[RTC_DAY_OF_WEEK] = to_reg(t.weekday + 1, b);
    regs[RTC_DAY_OF_MONTH] = to_reg(t.day, b);
    regs[RTC_MONTH] = to_reg(t.month, b);
    regs[RTC_YEAR] = to_reg(t.year % 100, b);
    *century = to_reg(t.year / 100 % 100, b);
}

static bool is_time_reg(unsigned i)
{
    return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS ||
           (i >= RTC_DAY_OF_WEEK && i <= RTC_YEAR) || i == RTC_CENTURY;
}

/* RTC ticks since second `sec` began (0 for a `now` before it: another
 * CPU's TSC a little behind). */
static uint64_t since(const struct vrtc *r, uint64_t now)
{
    return now > r->t0 ? now - r->t0 : 0;
}

static int64_t now_sec(const struct vrtc *r, uint64_t now)
{
    return r->sec + (int64_t)(since(r, now) / RTC_HZ);
}

/* The registers as they read now: computed while running, held else. */
static void time_regs(const struct vrtc *r, uint64_t now, uint8_t regs[RTC_CMOS_SIZE])
{
    for (unsigned i = 0; i < RTC_CMOS_SIZE; i++)
        regs[i] = r->ram[i];
    if (r->running)
        format(now_sec(r, now), r->b, regs, &regs[RTC_CENTURY]);
}

static bool divider_runs(const struct vrtc *r)
{
    return (r->a & 0x70) == RTC_A_DV_RUN;
}

/* The periodic interrupt's period in RTC ticks (register A's rate
 * select), 0 for none. */
static uint64_t period(const struct vrtc *r)
{
    unsigned rs = r->a & 0x0f;
    if (!rs || !divider_runs(r))
        return 0;
    return rs <= 2 ? 64u << rs : 1u << (rs - 1);   /* 1: 256 Hz, 2: 128 Hz, n: 65536 >> n Hz */
}

/* The alarm's fields (-1: any value), or false when one can never match. */
static bool alarm_fields(const struct vrtc *r, int *h, int *m, int *s)
{
    uint8_t ah = r->ram[RTC_HOURS_ALARM], am = r->ram[RTC_MINUTES_ALARM];
    uint8_t as = r->ram[RTC_SECONDS_ALARM];
    *h = (ah & RTC_ALARM_ANY) == RTC_ALARM_ANY ? -1 : hour_from_reg(ah, r->b);
    *m = (am & RTC_ALARM_ANY) == RTC_ALARM_ANY ? -1 : from_reg(am, r->b);
    *s = (as & RTC_ALARM_ANY) == RTC_ALARM_ANY ? -1 : from_reg(as, r->b);
    return *h < 24 && *m < 60 && *s < 60;
}

/* The first second after `after` whose time of day the alarm matches. */
static int64_t alarm_next(const struct vrtc *r, int64_t after)
{
    int ah, am, as;
    if (!alarm_fields(r, &ah, &am, &as))
        return NO_ALARM;
    int64_t day = (after >= 0 ? after / DAY : (after - (DAY - 1)) / DAY) * DAY;
    for (int64_t d = day; d <= day + DAY; d += DAY)
        for (int h = 0; h < 24; h++) {
            if (ah >= 0 && h != ah)
                continue;
            for (int m = 0; m < 60; m++) {
                if (am >= 0 && m != am)
                    continue;
                int64_t base = d + h * 3600 + m * 60;
                if (base + 59 <= after)
                    continue;
                int64_t cand = as >= 0 ? base + as : (base > after ? base : after + 1);
                if (cand > after)
                    return cand;
            }
        }
    return NO_ALARM;
}

/* IRQF: an event that is both flagged and enabled (data sheet: IRQF =
 * PF.PIE + AF.AIE + UF.UIE; the bits line up). */
static void set_irqf(struct vrtc *r)
{
    uint8_t flags = r->c & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
    r->c = (uint8_t)(flags | (flags & r->b ? RTC_C_IRQF : 0));
}

bool vrtc_update(struct vrtc *r, uint64_t now)
{
    if (now > r->checked) {
        uint64_t p = period(r);
        if (p && now / p > r->checked / p)
            r->c |= RTC_C_PF;
        if (r->running) {
            int64_t k1 = (int64_t)(since(r, r->checked) / RTC_HZ);
            int64_t k2 = (int64_t)(since(r, now) / RTC_HZ);
            if (k2 > k1) {          /* updates: the seconds r->sec + k1 + 1 .. + k2 began */
                r->c |= RTC_C_UF;
                if (alarm_next(r, r->sec + k1) <= r->sec + k2)
                    r->c |= RTC_C_AF;
            }
        }
        r->checked = now;
    }
    set_irqf(r);
    return r->c & RTC_C_IRQF;
}

uint64_t vrtc_next_event(const struct vrtc *r, uint64_t now)
{
    if (r->c & RTC_C_IRQF)
        return 0;
    uint64_t next = 0, p = period(r);
    if ((r->b & RTC_B_PIE) && p)
        next = (now / p + 1) * p;
    if (r->running && (r->b & (RTC_B_UIE | RTC_B_AIE))) {
        uint64_t k = since(r, now) / RTC_HZ + 1;        /* the next update */
        if (!(r->b & RTC_B_UIE)) {
            int64_t a = alarm_next(r, now_sec(r, now));
            k = a == NO_ALARM ? 0 : (uint64_t)(a - r->sec);
        }
        uint64_t t = k ? r->t0 + k * RTC_HZ : 0;
        if (t && (!next || t < next))
            next = t;
    }
    return next;
}

/* Start or stop updating: stopping holds the time in the registers,
 * starting takes it from them (the next update a second later). */
static void set_running(struct vrtc *r, uint64_t now)
{
    bool run = !(r->b & RTC_B_SET) && divider_runs(r);
    if (r->running && !run)
        format(now_sec(r, now), r->b, r->ram, &r->ram[RTC_CENTURY]);
    if (!r->running && run) {
        r->sec = rtc_regs_to_unix(r->ram, r->ram[RTC_CENTURY], r->b);
        r->t0 = now;
    }
    r->running = run;
}

void vrtc_reset(struct vrtc *r, int64_t now_sec, uint64_t now)
{
    *r = (struct vrtc){
        .a = RTC_A_DV_RUN | 0x06, .b = RTC_B_24H, .running = true,
        .sec = now_sec, .t0 = now, .checked = now,
    };
}

static uint8_t read_reg(struct vrtc *r, unsigned i, uint64_t now)
{
    switch (i) {
    case RTC_REG_A: {
        bool uip = r->running && since(r, now) % RTC_HZ >= RTC_HZ - UIP_TICKS;
        return (uint8_t)(r->a | (uip ? RTC_A_UIP : 0));
    }
    case RTC_REG_B:
        return r->b;
    case RTC_REG_C: {
        vrtc_update(r, now);
        uint8_t c = r->c;
        r->c = 0;
        return c;
    }
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        if (r->running && is_time_reg(i)) {
            uint8_t regs[RTC_CMOS_SIZE];
            time_regs(r, now, regs);
            return regs[i];
        }
        return r->ram[i];
    }
}

static void write_reg(struct vrtc *r, unsigned i, uint8_t val, uint64_t now)
{
    vrtc_update(r, now);        /* the events so far, under the old settings */
    switch (i) {
    case RTC_REG_A:
        r->a = val & 0x7f;
        set_running(r, now);
        break;
    case RTC_REG_B:
        r->b = val & RTC_B_SET ? val & (uint8_t)~RTC_B_UIE : val;
        set_running(r, now);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        return;                 /* read-only */
    default:
        if (r->running && is_time_reg(i)) {
            /* a running clock set: the field changed, the second's phase kept */
            uint8_t regs[RTC_CMOS_SIZE];
            time_regs(r, now, regs);
            regs[i] = val;
            r->t0 += since(r, now) / RTC_HZ * RTC_HZ;
            r->sec = rtc_regs_to_unix(regs, regs[RTC_CENTURY], r->b);
            r->checked = now;
        } else {
            r->ram[i] = val;
        }
        break;
    }
    set_irqf(r);
}

uint8_t vrtc_read(struct vrtc *r, unsigned port, uint64_t now)
{
    if (port == 0)
        return 0xff;            /* the index is write-only */
    return read_reg(r, r->index, now);
}

void vrtc_write(struct vrtc *r, unsigned port, uint8_t val, uint64_t now)
{
    if (port == 0)
        r->index = val & 0x7f;  /* bit 7: the PC's NMI mask, not the RTC's */
    else
        write_reg(r, r->index, val, now);
}
