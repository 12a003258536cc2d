/* The 8259A pair (vmx/dev/pic.h), after QEMU's pic_ioport_write,
 * pic_ioport_read, pic_get_irq, pic_set_irq1 and pic_read_irq. */
#include "vmx/dev/pic.h"

void vpic_reset(struct vpic *p)
{
    *p = (struct vpic){ 0 };
    p->chip[0].vector_base = 0x08;
    p->chip[0].imr = 0xfb;
    p->chip[1].vector_base = 0x70;
    p->chip[1].imr = 0xff;
}

/* The priority (0 highest, 8 none) of the highest bit set in `mask`,
 * counted from the rotation's highest-priority line. */
static unsigned priority(const struct vpic_chip *c, uint8_t mask)
{
    if (!mask)
        return 8;
    unsigned pr = 0;
    while (!(mask & (1u << ((pr + c->priority_add) & 7))))
        pr++;
    return pr;
}

/* The line this chip would present now (-1: none): the highest unmasked
 * request above everything in service. Special mask mode leaves masked
 * lines' in-service bits out; special fully nested mode lets the master
 * take the slave's line again while it is in service. */
static int chip_irq(const struct vpic_chip *c, bool master)
{
    unsigned pr = priority(c, c->irr & ~c->imr);
    if (pr == 8)
        return -1;
    uint8_t isr = c->isr;
    if (c->special_mask)
        isr &= ~c->imr;
    if (master && c->special_fully_nested)
        isr &= (uint8_t)~(1u << 2);
    return pr < priority(c, isr) ? (int)((pr + c->priority_add) & 7) : -1;
}

static void chip_set(struct vpic_chip *c, unsigned irq, bool level)
{
    uint8_t bit = (uint8_t)(1u << irq);
    if (level) {
        if (!(c->last_irr & bit))
            c->irr |= bit;
        c->last_irr |= bit;
    } else {
        c->last_irr &= (uint8_t)~bit;
    }
}

/* The slave's output is the master's IRQ 2. */
static void cascade(struct vpic *p)
{
    chip_set(&p->chip[0], 2, chip_irq(&p->chip[1], false) >= 0);
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
    if (irq >= 16)
        return;
    chip_set(&p->chip[irq / 8], irq % 8, level);
    cascade(p);
}

bool vpic_output(const struct vpic *p)
{
    return chip_irq(&p->chip[0], true) >= 0;
}

static void intack(struct vpic_chip *c, unsigned irq)
{
    if (c->auto_eoi) {
        if (c->rotate_on_auto_eoi)
            c->priority_add = (irq + 1) & 7;
    } else {
        c->isr |= (uint8_t)(1u << irq);
    }
    c->irr &= (uint8_t)~(1u << irq);    /* edge-triggered */
}

uint8_t vpic_intack(struct vpic *p)
{
    struct vpic_chip *m = &p->chip[0], *s = &p->chip[1];
    int irq = chip_irq(m, true);
    uint8_t vector;
    if (irq < 0) {
        vector = (uint8_t)(m->vector_base + 7);     /* spurious: nothing in service */
    } else {
        if (irq == 2) {
            int irq2 = chip_irq(s, false);
            if (irq2 >= 0)
                intack(s, (unsigned)irq2);
            else
                irq2 = 7;                           /* the slave's spurious IRQ 7 */
            vector = (uint8_t)(s->vector_base + irq2);
        } else {
            vector = (uint8_t)(m->vector_base + irq);
        }
        intack(m, (unsigned)irq);
    }
    cascade(p);
    return vector;
}

/* ICW1 restarts initialisation: mask, requests, in-service and the line
 * levels cleared (a line held high gives an edge again). */
static void icw1(struct vpic_chip *c, uint8_t val)
{
    *c = (struct vpic_chip){
        .init_state = 1, .icw4_needed = val & 1, .single = val & 2,
    };
}

static void eoi_highest(struct vpic_chip *c, bool rotate)
{
    unsigned pr = priority(c, c->isr);
    if (pr == 8)
        return;
    unsigned irq = (pr + c->priority_add) & 7;
    c->isr &= (uint8_t)~(1u << irq);
    if (rotate)
        c->priority_add = (irq + 1) & 7;
}

static void ocw2(struct vpic_chip *c, uint8_t val)
{
    unsigned irq = val & 7;
    switch (val >> 5) {
    case 0:                     /* rotate in auto-EOI mode: clear */
    case 4:                     /*                          set */
        c->rotate_on_auto_eoi = val >> 7;
        break;
    case 1:                     /* non-specific EOI */
    case 5:                     /* rotate on non-specific EOI */
        eoi_highest(c, val >> 7);
        break;
    case 3:                     /* specific EOI */
        c->isr &= (uint8_t)~(1u << irq);
        break;
    case 6:                     /* set priority */
        c->priority_add = (irq + 1) & 7;
        break;
    case 7:                     /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << irq);
        c->priority_add = (irq + 1) & 7;
        break;
    default:                    /* 2: no operation */
        break;
    }
}

static void chip_write(struct vpic_chip *c, unsigned reg, uint8_t val)
{
    if (!(reg & 1)) {
        if (val & 0x10) {
            icw1(c, val);
        } else if (val & 0x08) {            /* OCW3 */
            if (val & 0x04)
                c->poll = true;
            if (val & 0x02)
                c->read_isr = val & 1;
            if (val & 0x40)
                c->special_mask = (val >> 5) & 1;
        } else {
            ocw2(c, val);
        }
        return;
    }
    switch (c->init_state) {
    case 1:                                 /* ICW2 */
        c->vector_base = val & 0xf8;
        c->init_state = c->single ? (c->icw4_needed ? 3 : 0) : 2;
        break;
    case 2:                                 /* ICW3: the cascade wiring */
        c->init_state = c->icw4_needed ? 3 : 0;
        break;
    case 3:                                 /* ICW4 */
        c->special_fully_nested = (val >> 4) & 1;
        c->auto_eoi = (val >> 1) & 1;
        c->init_state = 0;
        break;
    default:                                /* OCW1: the mask */
        c->imr = val;
        break;
    }
}

void vpic_write(struct vpic *p, unsigned chip, unsigned reg, uint8_t val)
{
    chip_write(&p->chip[chip & 1], reg, val);
    cascade(p);
}

uint8_t vpic_read(struct vpic *p, unsigned chip, unsigned reg)
{
    struct vpic_chip *c = &p->chip[chip & 1];
    if (c->poll) {              /* poll command: the request, acknowledged */
        c->poll = false;
        int irq = chip_irq(c, !(chip & 1));
        if (irq < 0)
            return 0;
        intack(c, (unsigned)irq);
        cascade(p);
        return (uint8_t)(0x80 | irq);
    }
    if (reg & 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}
