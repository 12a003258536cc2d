/* The HPET's registers (hpet.h): the main counter as a function of time,
 * after QEMU's hw/timer/hpet.c; the comparators only held. */
#include "vmx/dev/hpet.h"

uint64_t hpet_ticks(uint64_t tsc, uint64_t tsc_hz)
{
    /* whole seconds, then the rest: rest * HPET_HZ < 2^64 while tsc_hz
     * is below 2^64 / 10^8 (184 GHz) */
    return tsc / tsc_hz * HPET_HZ + tsc % tsc_hz * HPET_HZ / tsc_hz;
}

void vhpet_reset(struct vhpet *h)
{
    *h = (struct vhpet){ 0 };
    for (unsigned i = 0; i < HPET_TIMERS; i++)
        h->t[i].comparator = ~0ull;
}

static uint64_t counter(const struct vhpet *h, uint64_t now)
{
    return h->config & HPET_CFG_ENABLE ? now + h->base : h->stopped;
}

static void set_counter(struct vhpet *h, uint64_t val, uint64_t now)
{
    if (h->config & HPET_CFG_ENABLE)
        h->base = val - now;
    else
        h->stopped = val;
}

/* Tn_CONF_CAP's read-only half: 64-bit comparators, periodic mode on
 * timer 0 (as QEMU), no FSB delivery, no interrupt route (bits 63:32). */
static uint64_t timer_caps(unsigned n)
{
    return HPET_TN_64BIT_CAP | (n == 0 ? HPET_TN_PERIODIC_CAP : 0);
}

static uint64_t timer_writable(unsigned n)
{
    return HPET_TN_LEVEL | HPET_TN_ENABLE | HPET_TN_32BIT | (n == 0 ? HPET_TN_PERIODIC : 0);
}

/* The 64-bit register at `reg` (8-aligned); -1 for a timer register:
 * *n its timer, *which 0 config, 1 comparator, 2 FSB route. */
static int timer_of(unsigned reg, unsigned *n, unsigned *which)
{
    if (reg < HPET_TIMER(0) || reg >= HPET_TIMER(HPET_TIMERS))
        return 0;
    *n = (reg - HPET_TIMER(0)) / 0x20;
    *which = (reg - HPET_TIMER(0)) % 0x20 / 8;
    return 1;
}

static uint64_t reg_read(const struct vhpet *h, unsigned reg, uint64_t now)
{
    unsigned n, which;
    if (timer_of(reg, &n, &which)) {
        if (which == 0)
            return h->t[n].config | timer_caps(n);
        return which == 1 ? h->t[n].comparator : 0;
    }
    switch (reg) {
    case HPET_CAP:
        return (uint64_t)HPET_PERIOD_FS << 32 | HPET_ID_LOW;
    case HPET_CONFIG:
        return h->config;
    case HPET_COUNTER:
        return counter(h, now);
    default:            /* GINTR_STA: no interrupt is ever active; reserved */
        return 0;
    }
}

static void reg_write(struct vhpet *h, unsigned reg, uint64_t val, uint64_t now)
{
    unsigned n, which;
    if (timer_of(reg, &n, &which)) {
        struct vhpet_timer *t = &h->t[n];
        if (which == 0)
            t->config = val & timer_writable(n);        /* SETVAL: a strobe */
        else if (which == 1)
            t->comparator = t->config & HPET_TN_32BIT ? (uint32_t)val : val;
        return;
    }
    switch (reg) {
    case HPET_CONFIG: {
        uint64_t c = counter(h, now);
        h->config = val & HPET_CFG_ENABLE;      /* LEG_RT_CNF: no LEG_RT_CAP */
        set_counter(h, c, now);
        break;
    }
    case HPET_COUNTER:
        set_counter(h, val, now);
        break;
    default:            /* the capabilities, GINTR_STA (nothing to clear), reserved */
        break;
    }
}

static bool access_ok(unsigned offset, unsigned size)
{
    return (size == 4 || size == 8) && offset % size == 0 && offset < HPET_MMIO_SIZE;
}

uint64_t vhpet_read(const struct vhpet *h, unsigned offset, unsigned size, uint64_t now)
{
    if (!access_ok(offset, size))
        return 0;
    uint64_t v = reg_read(h, offset & ~7u, now);
    return size == 8 ? v : (uint32_t)(v >> (8 * (offset & 4)));
}

void vhpet_write(struct vhpet *h, unsigned offset, unsigned size, uint64_t val, uint64_t now)
{
    if (!access_ok(offset, size))
        return;
    unsigned reg = offset & ~7u;
    if (size == 4) {    /* the other half as it is */
        unsigned shift = 8 * (offset & 4);
        uint64_t cur = reg_read(h, reg, now);
        val = (cur & ~(0xffffffffull << shift)) | (uint64_t)(uint32_t)val << shift;
    }
    reg_write(h, reg, val, now);
}
