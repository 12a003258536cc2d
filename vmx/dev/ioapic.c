/* The 82093AA I/O APIC's register logic and pin semantics
 * (vmx/dev/ioapic.h), after its data sheet and QEMU's hw/intc/ioapic.c. */
#include "vmx/dev/ioapic.h"

void vioapic_reset(struct vioapic *a, uint8_t id)
{
    a->id = id & 0xf;
    a->regsel = 0;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        a->redir[i] = IOAPIC_RTE_MASKED;
}

static bool wants_eoi(uint64_t e)
{
    return vioapic_rte_wants_eoi(e);
}

/* Pin `pin`'s entry as a message; a level entry's remote IRR is set (the
 * interrupt is now with a local APIC until its EOI). */
static void fire(struct vioapic *a, unsigned pin, struct ioapic_msg *msg)
{
    uint64_t e = a->redir[pin];
    if (wants_eoi(e))
        a->redir[pin] = e | IOAPIC_RTE_REMOTE_IRR;
    *msg = (struct ioapic_msg){
        .pin = (uint8_t)pin,
        .vector = (uint8_t)(e & IOAPIC_RTE_VECTOR),
        .delivery = (uint8_t)IOAPIC_RTE_DELMODE(e),
        .logical = e & IOAPIC_RTE_LOGICAL,
        .level = wants_eoi(e),
        .dest = (uint8_t)(e >> IOAPIC_RTE_DEST_SHIFT),
    };
}

/* A level pin that is asserted, unmasked and not waiting for an EOI. */
static bool level_ready(const struct vioapic *a, unsigned pin)
{
    uint64_t e = a->redir[pin];
    return wants_eoi(e) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
           (a->lines >> pin & 1);
}

uint32_t vioapic_reg_read(const struct vioapic *a, uint8_t index)
{
    switch (index) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:        /* loaded from the ID (82093AA "IOAPICARB") */
        return a->id << 24;
    case IOAPIC_REG_VER:
        return IOAPIC_VER_VALUE;
    default:
        if (index >= IOAPIC_REG_REDTBL && index < IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS) {
            uint64_t e = a->redir[(index - IOAPIC_REG_REDTBL) / 2];
            return (uint32_t)(index & 1 ? e >> 32 : e);
        }
        return 0;
    }
}

bool vioapic_reg_write(struct vioapic *a, uint8_t index, uint32_t val, struct ioapic_msg *msg)
{
    if (index == IOAPIC_REG_ID) {
        a->id = (val >> 24) & 0xf;
        return false;
    }
    if (index < IOAPIC_REG_REDTBL || index >= IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS)
        return false;           /* version, arbitration: read-only; the rest: none */
    unsigned pin = (index - IOAPIC_REG_REDTBL) / 2;
    uint64_t old = a->redir[pin], e;
    if (index & 1)
        e = (old & 0xffffffffull) | (((uint64_t)val << 32) & IOAPIC_RTE_WRITABLE);
    else
        e = (old & ~0xffffffffull) | (val & IOAPIC_RTE_WRITABLE);
    e |= old & IOAPIC_RTE_REMOTE_IRR;
    /* An edge-triggered entry has no remote IRR (QEMU does the same):
     * switching a pin to edge and back is how an OS clears one stuck
     * without an EOI register (Linux's clear_IO_APIC_pin). */
    if (!wants_eoi(e))
        e &= ~IOAPIC_RTE_REMOTE_IRR;
    a->redir[pin] = e;
    if (level_ready(a, pin)) {  /* unmasked while asserted */
        fire(a, pin, msg);
        return true;
    }
    return false;
}

uint32_t vioapic_mmio_read(const struct vioapic *a, uint64_t offset, unsigned size)
{
    uint32_t reg;
    if (offset / 4 == IOAPIC_IOREGSEL / 4)
        reg = a->regsel;
    else if (offset / 4 == IOAPIC_IOWIN / 4)
        reg = vioapic_reg_read(a, a->regsel);
    else
        return 0;
    unsigned at = (unsigned)(offset & 3);
    if (size == 0 || at + size > 4)
        return 0;
    return size == 4 ? reg : (reg >> (8 * at)) & ((1u << (8 * size)) - 1);
}

bool vioapic_mmio_write(struct vioapic *a, uint64_t offset, unsigned size, uint32_t val,
                        struct ioapic_msg *msg)
{
    if (offset == IOAPIC_IOREGSEL && size >= 1 && size <= 4) {
        a->regsel = (uint8_t)val;
        return false;
    }
    if (offset == IOAPIC_IOWIN && size == 4)
        return vioapic_reg_write(a, a->regsel, val, msg);
    return false;
}

bool vioapic_set_irq(struct vioapic *a, unsigned pin, bool level, struct ioapic_msg *msg)
{
    if (pin >= IOAPIC_PINS)
        return false;
    uint32_t bit = 1u << pin;
    bool was = a->lines & bit;
    if (!level) {
        a->lines &= ~bit;
        return false;
    }
    a->lines |= bit;
    uint64_t e = a->redir[pin];
    if (e & IOAPIC_RTE_MASKED)
        return false;
    if (wants_eoi(e) ? !level_ready(a, pin) : was)
        return false;           /* level: in service already; edge: no edge */
    fire(a, pin, msg);
    return true;
}

unsigned vioapic_eoi(struct vioapic *a, uint8_t vector, struct ioapic_msg out[IOAPIC_PINS])
{
    unsigned n = 0;
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = a->redir[pin];
        if ((e & IOAPIC_RTE_VECTOR) != vector || !(e & IOAPIC_RTE_REMOTE_IRR))
            continue;
        a->redir[pin] = e & ~IOAPIC_RTE_REMOTE_IRR;
        if (level_ready(a, pin))
            fire(a, pin, &out[n++]);
    }
    return n;
}

void vioapic_eoi_vectors(const struct vioapic *a, uint64_t map[4])
{
    map[0] = map[1] = map[2] = map[3] = 0;
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = a->redir[pin];
        if (wants_eoi(e))
            map[(e & 0xff) / 64] |= 1ull << (e & 63);
    }
}

bool vioapic_unmasked(const struct vioapic *a, int pin, int delivery)
{
    if (pin >= IOAPIC_PINS)
        return false;
    if (pin < 0) {
        for (unsigned i = 0; i < IOAPIC_PINS; i++)
            if (!(a->redir[i] & IOAPIC_RTE_MASKED))
                return true;
        return false;
    }
    uint64_t e = a->redir[pin];
    return !(e & IOAPIC_RTE_MASKED) && (delivery < 0 || IOAPIC_RTE_DELMODE(e) == (unsigned)delivery);
}
