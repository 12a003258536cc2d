/* The 8259A's programming interface (vmx/dev/pic.h), after QEMU's
 * pic_ioport_write/pic_ioport_read. With no interrupt ever requested,
 * the EOI commands have nothing to clear: they are accepted as such. */
#include "vmx/dev/pic.h"

void vpic_reset(struct vpic *p)
{
    *p = (struct vpic){ 0 };
    p->chip[0].vector_base = 0x08;
    p->chip[0].imr = 0xfb;
    p->chip[1].vector_base = 0x70;
    p->chip[1].imr = 0xff;
}

/* ICW1 restarts initialisation: mask, requests and state cleared. */
static void icw1(struct vpic_chip *c, uint8_t val)
{
    *c = (struct vpic_chip){
        .init_state = 1, .icw4_needed = val & 1, .single = val & 2,
    };
}

static void ocw2(struct vpic_chip *c, uint8_t val)
{
    unsigned irq = val & 7;
    switch (val >> 5) {
    case 0:                     /* rotate in auto-EOI mode: clear */
    case 4:                     /*                          set */
        c->rotate_on_auto_eoi = val >> 7;
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
    default:                    /* 1, 5: non-specific EOI (nothing in service); 2: no-op */
        break;
    }
}

void vpic_write(struct vpic *p, unsigned chip, unsigned reg, uint8_t val)
{
    struct vpic_chip *c = &p->chip[chip & 1];
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

uint8_t vpic_read(struct vpic *p, unsigned chip, unsigned reg)
{
    struct vpic_chip *c = &p->chip[chip & 1];
    if (c->poll) {              /* poll command: no interrupt pending */
        c->poll = false;
        return 0;
    }
    if (reg & 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}
