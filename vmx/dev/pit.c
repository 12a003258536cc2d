/* The 8254's counters as functions of time (vmx/dev/pit.h), following
 * QEMU's pit_get_count and pit_get_out; the data sheet's access modes,
 * counter latch and read-back commands. */
#include "vmx/dev/pit.h"

enum { RW_LSB = 1, RW_MSB = 2, RW_WORD0 = 3, RW_WORD1 = 4 };

uint64_t pit_ticks(uint64_t tsc, uint64_t tsc_hz)
{
    /* whole seconds, then the rest: rest * PIT_HZ < 2^64 for any tsc_hz
     * below 2^43 */
    return tsc / tsc_hz * PIT_HZ + tsc % tsc_hz * PIT_HZ / tsc_hz;
}

uint64_t pit_tsc(uint64_t ticks, uint64_t tsc_hz)
{
    return ticks / PIT_HZ * tsc_hz + (ticks % PIT_HZ * tsc_hz + PIT_HZ - 1) / PIT_HZ;
}

/* Channel 0's first interrupt after its count was loaded: OUT rises at
 * the terminal count in modes 0 and 4 (4's strobe ends there), and at the
 * end of each period in 2 and 3. */
static uint64_t first_irq(const struct vpit_channel *c)
{
    switch (c->mode) {
    case 0: case 2: case 3: case 4:
        return c->load_time + c->count;
    default:
        return 0;
    }
}

bool vpit_irq_due(struct vpit *p, uint64_t now)
{
    const struct vpit_channel *c = &p->ch[0];
    uint64_t next = p->irq_next;
    if (!next || now < next)
        return false;
    if (c->mode == 2 || c->mode == 3)
        p->irq_next = next + c->count * ((now - next) / c->count + 1);
    else
        p->irq_next = 0;
    return true;
}

void vpit_reset(struct vpit *p, uint64_t now)
{
    *p = (struct vpit){ 0 };
    for (unsigned i = 0; i < 3; i++)
        p->ch[i] = (struct vpit_channel){
            .load_time = now, .count = 0x10000, .mode = i == 0 ? 2 : 3,
            .rw_mode = RW_WORD0, .read_state = RW_WORD0, .write_state = RW_WORD0,
            .gate = i != 2,
        };
    p->irq_next = first_irq(&p->ch[0]);
}

uint16_t vpit_counter(const struct vpit_channel *c, uint64_t now)
{
    uint64_t d = now - c->load_time;
    switch (c->mode) {
    case 2:
        return (uint16_t)(c->count - d % c->count);
    case 3:         /* counts down by two, twice per period */
        return (uint16_t)(c->count - (2 * d) % c->count);
    default:        /* 0, 1, 4, 5: down to 0, then on through 0xffff */
        return (uint16_t)(c->count - d);
    }
}

bool vpit_out(const struct vpit_channel *c, uint64_t now)
{
    uint64_t d = now - c->load_time;
    switch (c->mode) {
    case 0:         /* interrupt on terminal count: high from 0 on */
        return d >= c->count;
    case 1:         /* one-shot: low while counting */
        return d < c->count;
    case 2:         /* rate generator: QEMU's one-tick pulse at each reload */
        return d % c->count == 0 && d != 0;
    case 3:         /* square wave: high for the first half */
        return d % c->count < (c->count + 1) / 2;
    default:        /* 4, 5: strobe at terminal count */
        return d == c->count;
    }
}

static void load_count(struct vpit_channel *c, unsigned val, uint64_t now)
{
    c->count = val ? val : 0x10000;
    c->load_time = now;
}

/* Counter latch: the count as it is now, read later; a second latch
 * before the first was read changes nothing. */
static void latch_count(struct vpit_channel *c, uint64_t now)
{
    if (!c->count_latched) {
        c->latched_count = vpit_counter(c, now);
        c->count_latched = c->rw_mode;
    }
}

static void control_word(struct vpit *p, uint8_t val, uint64_t now)
{
    unsigned sel = val >> 6;
    if (sel == 3) {     /* read-back: bits 1-3 pick channels */
        for (unsigned i = 0; i < 3; i++) {
            struct vpit_channel *c = &p->ch[i];
            if (!(val & (2u << i)))
                continue;
            if (!(val & 0x20))
                latch_count(c, now);
            if (!(val & 0x10) && !c->status_latched) {
                c->status = (uint8_t)(vpit_out(c, now) << 7 | c->rw_mode << 4 | c->mode << 1 | c->bcd);
                c->status_latched = true;
            }
        }
        return;
    }
    struct vpit_channel *c = &p->ch[sel];
    unsigned access = (val >> 4) & 3;
    if (access == 0) {
        latch_count(c, now);
        return;
    }
    c->rw_mode = c->read_state = c->write_state = (uint8_t)access;
    if (sel == 0)
        p->irq_next = 0;        /* stopped until the count is written */
    c->mode = (val >> 1) & 7;
    if (c->mode >= 6)
        c->mode -= 4;   /* 6 and 7 are modes 2 and 3 (8254 data sheet) */
    c->bcd = val & 1;
}

void vpit_write(struct vpit *p, unsigned reg, uint8_t val, uint64_t now)
{
    if (reg >= 3) {
        control_word(p, val, now);
        return;
    }
    struct vpit_channel *c = &p->ch[reg];
    switch (c->write_state) {
    case RW_MSB:
        load_count(c, (unsigned)val << 8, now);
        break;
    case RW_WORD0:
        c->write_latch = val;
        c->write_state = RW_WORD1;
        return;
    case RW_WORD1:
        load_count(c, c->write_latch | (unsigned)val << 8, now);
        c->write_state = RW_WORD0;
        break;
    default:
        load_count(c, val, now);
        break;
    }
    if (reg == 0)
        p->irq_next = first_irq(c);
}

uint8_t vpit_read(struct vpit *p, unsigned reg, uint64_t now)
{
    if (reg >= 3)
        return 0;       /* the control word is write-only; QEMU reads 0 */
    struct vpit_channel *c = &p->ch[reg];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        uint16_t l = c->latched_count;
        switch (c->count_latched) {
        case RW_MSB:
            c->count_latched = 0;
            return (uint8_t)(l >> 8);
        case RW_WORD0:
            c->count_latched = RW_MSB;
            return (uint8_t)l;
        default:
            c->count_latched = 0;
            return (uint8_t)l;
        }
    }
    uint16_t count = vpit_counter(c, now);
    switch (c->read_state) {
    case RW_MSB:
        return (uint8_t)(count >> 8);
    case RW_WORD0:
        c->read_state = RW_WORD1;
        return (uint8_t)count;
    case RW_WORD1:
        c->read_state = RW_WORD0;
        return (uint8_t)(count >> 8);
    default:
        return (uint8_t)count;
    }
}

uint8_t vpit_port61_read(struct vpit *p, uint64_t now)
{
    const struct vpit_channel *c = &p->ch[2];
    p->refresh ^= 0x10;     /* some delay loops wait for this to flip */
    return (uint8_t)(c->gate | p->speaker_data << 1 | p->refresh | vpit_out(c, now) << 5);
}

void vpit_port61_write(struct vpit *p, uint8_t val, uint64_t now)
{
    struct vpit_channel *c = &p->ch[2];
    bool gate = val & 1;
    /* A rising gate restarts modes 1, 2, 3 and 5; modes 0 and 4 count
     * whatever the gate (QEMU does not inhibit them). */
    if (gate && !c->gate && c->mode != 0 && c->mode != 4)
        c->load_time = now;
    c->gate = gate;
    p->speaker_data = val & 2;
}
