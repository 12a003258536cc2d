// unit: vmx/dev/ioapic.c
#include "vmx/dev/ioapic.h"
#include "unit.h"

static struct vioapic a;
static struct ioapic_msg m;

/* A new chip with every pin deasserted. */
static void fresh(uint8_t id)
{
    a = (struct vioapic){ 0 };
    vioapic_reset(&a, id);
}

static void sel(uint8_t index)
{
    vioapic_mmio_write(&a, IOAPIC_IOREGSEL, 4, index, &m);
}

static uint32_t rd(uint8_t index)
{
    sel(index);
    return vioapic_mmio_read(&a, IOAPIC_IOWIN, 4);
}

/* A write through the window; returns whether it made a message. */
static bool wr(uint8_t index, uint32_t val)
{
    sel(index);
    return vioapic_mmio_write(&a, IOAPIC_IOWIN, 4, val, &m);
}

/* Pin `pin` as an OS programs it: high half (destination) first. */
static bool route(unsigned pin, uint64_t rte)
{
    wr((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin + 1), (uint32_t)(rte >> 32));
    return wr((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin), (uint32_t)rte);
}

static uint64_t rte(unsigned pin)
{
    return (uint64_t)rd((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin + 1)) << 32 |
           rd((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin));
}

#define LEVEL IOAPIC_RTE_LEVEL
#define DEST(d) ((uint64_t)(d) << 56)

TEST(reset_id_version_arbitration)
{
    fresh(2);
    CHECK_EQ(rd(IOAPIC_REG_ID), 2u << 24);
    CHECK_EQ(rd(IOAPIC_REG_VER), 0x00170011);
    CHECK_EQ(rd(IOAPIC_REG_ARB), 2u << 24);
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
        CHECK_EQ(rte(pin), IOAPIC_RTE_MASKED);
    CHECK(!vioapic_unmasked(&a, -1, -1));
}

TEST(id_is_four_bits_version_and_arbitration_read_only)
{
    fresh(0);
    wr(IOAPIC_REG_ID, 0xffffffff);
    CHECK_EQ(rd(IOAPIC_REG_ID), 0x0f000000);
    CHECK_EQ(rd(IOAPIC_REG_ARB), 0x0f000000);
    wr(IOAPIC_REG_VER, 0);
    CHECK_EQ(rd(IOAPIC_REG_VER), 0x00170011);
    wr(IOAPIC_REG_ARB, 0);
    CHECK_EQ(rd(IOAPIC_REG_ARB), 0x0f000000);
    /* unimplemented indexes read 0 and take nothing */
    CHECK_EQ(rd(0x03), 0);
    CHECK_EQ(rd(0x40), 0);
    CHECK_EQ(rd(0xff), 0);
    CHECK(!wr(0x40, 0x12345678));
    CHECK_EQ(rd(0x40), 0);
}

TEST(ioregsel_reads_back_and_takes_a_byte)
{
    fresh(0);
    vioapic_mmio_write(&a, IOAPIC_IOREGSEL, 1, 0x2a, &m);
    CHECK_EQ(vioapic_mmio_read(&a, IOAPIC_IOREGSEL, 4), 0x2a);
    vioapic_mmio_write(&a, IOAPIC_IOREGSEL, 4, 0x1234501, &m);
    CHECK_EQ(vioapic_mmio_read(&a, IOAPIC_IOREGSEL, 4), 0x01);
    CHECK_EQ(vioapic_mmio_read(&a, IOAPIC_IOREGSEL, 1), 0x01);
}

TEST(redirection_entry_fields_read_back)
{
    fresh(0);
    uint64_t e = DEST(0xa5) | IOAPIC_RTE_MASKED | LEVEL | IOAPIC_RTE_POLARITY_LOW |
                 IOAPIC_RTE_LOGICAL | 1 << 8 | 0x31;
    route(5, e);
    CHECK_EQ(rte(5), e);
    /* read-only (delivery status, remote IRR) and reserved bits */
    route(6, ~0ull);
    CHECK_EQ(rte(6), IOAPIC_RTE_WRITABLE);
    CHECK_EQ(IOAPIC_RTE_WRITABLE, 0xff0000000001afffull);
    CHECK_EQ(a.redir[6] & IOAPIC_RTE_REMOTE_IRR, 0);
    /* the halves are separate registers */
    wr(IOAPIC_REG_REDTBL + 2 * 7 + 1, 0x03000000);
    CHECK_EQ(rte(7), DEST(3) | IOAPIC_RTE_MASKED);
    wr(IOAPIC_REG_REDTBL + 2 * 7, 0x10040);
    CHECK_EQ(rte(7), DEST(3) | IOAPIC_RTE_MASKED | 0x40);
    /* the last pin is 23 */
    route(23, DEST(1) | 0x77);
    CHECK_EQ(rte(23), DEST(1) | 0x77);
}

TEST(narrow_reads_of_iowin_get_bytes_narrow_writes_dropped)
{
    fresh(0);
    sel(IOAPIC_REG_VER);
    CHECK_EQ(vioapic_mmio_read(&a, IOAPIC_IOWIN, 1), 0x11);
    CHECK_EQ(vioapic_mmio_read(&a, IOAPIC_IOWIN + 2, 1), 0x17);
    CHECK_EQ(vioapic_mmio_read(&a, IOAPIC_IOWIN + 2, 2), 0x17);
    CHECK_EQ(vioapic_mmio_read(&a, IOAPIC_IOWIN + 2, 4), 0);   /* past the register */
    CHECK_EQ(vioapic_mmio_read(&a, IOAPIC_IOWIN, 8), 0);
    sel(IOAPIC_REG_REDTBL);
    CHECK(!vioapic_mmio_write(&a, IOAPIC_IOWIN, 1, 0x40, &m));
    CHECK(!vioapic_mmio_write(&a, IOAPIC_IOWIN, 2, 0x40, &m));
    CHECK_EQ(rte(0), IOAPIC_RTE_MASKED);
    /* other offsets: nothing */
    CHECK_EQ(vioapic_mmio_read(&a, 0x20, 4), 0);
    CHECK_EQ(vioapic_mmio_read(&a, 0x40, 4), 0);   /* no EOI register in version 0x11 */
    CHECK_EQ(vioapic_mmio_read(&a, 0xffc, 4), 0);
    CHECK(!vioapic_mmio_write(&a, 0x40, 4, 0x30, &m));
    CHECK(!vioapic_mmio_write(&a, 0x01, 1, 0x30, &m));
    CHECK_EQ(vioapic_mmio_read(&a, IOAPIC_IOREGSEL, 4), IOAPIC_REG_REDTBL);
}

TEST(edge_pin_delivers_on_each_rising_edge)
{
    fresh(0);
    route(4, DEST(1) | 0x34);
    CHECK(vioapic_set_irq(&a, 4, true, &m));
    CHECK_EQ(m.pin, 4);
    CHECK_EQ(m.vector, 0x34);
    CHECK_EQ(m.delivery, IOAPIC_DM_FIXED);
    CHECK_EQ(m.dest, 1);
    CHECK(!m.logical);
    CHECK(!m.level);
    /* still high: no edge */
    CHECK(!vioapic_set_irq(&a, 4, true, &m));
    CHECK(!vioapic_set_irq(&a, 4, false, &m));
    CHECK(vioapic_set_irq(&a, 4, true, &m));
    /* no remote IRR for edge, and an EOI does nothing */
    CHECK_EQ(rte(4) & IOAPIC_RTE_REMOTE_IRR, 0);
    struct ioapic_msg out[IOAPIC_PINS];
    CHECK_EQ(vioapic_eoi(&a, 0x34, out), 0);
}

TEST(edge_on_masked_pin_is_lost)
{
    fresh(0);
    route(4, IOAPIC_RTE_MASKED | 0x34);
    CHECK(!vioapic_set_irq(&a, 4, true, &m));
    CHECK(!route(4, 0x34));              /* unmasking does not bring it back */
    CHECK(!vioapic_set_irq(&a, 4, true, &m));
    CHECK(!vioapic_set_irq(&a, 4, false, &m));
    CHECK(vioapic_set_irq(&a, 4, true, &m));
}

TEST(level_pin_remote_irr_until_eoi_then_again_while_asserted)
{
    struct ioapic_msg out[IOAPIC_PINS];
    fresh(0);
    route(9, LEVEL | 0x39);
    CHECK(vioapic_set_irq(&a, 9, true, &m));
    CHECK(m.level);
    CHECK_EQ(m.vector, 0x39);
    CHECK(rte(9) & IOAPIC_RTE_REMOTE_IRR);
    /* asserted again while in service: nothing */
    CHECK(!vioapic_set_irq(&a, 9, true, &m));
    /* an EOI for another vector: nothing */
    CHECK_EQ(vioapic_eoi(&a, 0x38, out), 0);
    CHECK(rte(9) & IOAPIC_RTE_REMOTE_IRR);
    /* the EOI with the line still asserted: delivered again */
    CHECK_EQ(vioapic_eoi(&a, 0x39, out), 1);
    CHECK_EQ(out[0].pin, 9);
    CHECK_EQ(out[0].vector, 0x39);
    CHECK(rte(9) & IOAPIC_RTE_REMOTE_IRR);
    /* deasserted, then the EOI: remote IRR clears, nothing more */
    CHECK(!vioapic_set_irq(&a, 9, false, &m));
    CHECK(rte(9) & IOAPIC_RTE_REMOTE_IRR);
    CHECK_EQ(vioapic_eoi(&a, 0x39, out), 0);
    CHECK_EQ(rte(9) & IOAPIC_RTE_REMOTE_IRR, 0);
    /* a second EOI: nothing */
    CHECK_EQ(vioapic_eoi(&a, 0x39, out), 0);
    /* asserted again: delivered */
    CHECK(vioapic_set_irq(&a, 9, true, &m));
}

TEST(level_pin_masked_then_unmasked_while_asserted_delivers)
{
    fresh(0);
    route(10, IOAPIC_RTE_MASKED | LEVEL | 0x3a);
    CHECK(!vioapic_set_irq(&a, 10, true, &m));
    CHECK_EQ(rte(10) & IOAPIC_RTE_REMOTE_IRR, 0);
    CHECK(route(10, LEVEL | 0x3a));
    CHECK_EQ(m.vector, 0x3a);
    CHECK(rte(10) & IOAPIC_RTE_REMOTE_IRR);
    /* rewriting it in service (same vector) does not deliver twice */
    CHECK(!route(10, LEVEL | 0x3a));
}

TEST(level_masked_in_service_eoi_clears_but_does_not_deliver)
{
    struct ioapic_msg out[IOAPIC_PINS];
    fresh(0);
    route(11, LEVEL | 0x3b);
    CHECK(vioapic_set_irq(&a, 11, true, &m));
    route(11, IOAPIC_RTE_MASKED | LEVEL | 0x3b);
    CHECK(rte(11) & IOAPIC_RTE_REMOTE_IRR);       /* the mask keeps remote IRR */
    CHECK_EQ(vioapic_eoi(&a, 0x3b, out), 0);
    CHECK_EQ(rte(11) & IOAPIC_RTE_REMOTE_IRR, 0);
    CHECK(route(11, LEVEL | 0x3b));                /* unmasked, still asserted */
}

TEST(switch_to_edge_clears_remote_irr)
{
    fresh(0);
    route(12, LEVEL | 0x3c);
    CHECK(vioapic_set_irq(&a, 12, true, &m));
    CHECK(rte(12) & IOAPIC_RTE_REMOTE_IRR);
    /* Linux's clear_IO_APIC_pin without an EOI register: edge, then level */
    route(12, IOAPIC_RTE_MASKED | 0x3c);
    CHECK_EQ(rte(12) & IOAPIC_RTE_REMOTE_IRR, 0);
    route(12, IOAPIC_RTE_MASKED | LEVEL | 0x3c);
    CHECK_EQ(rte(12) & IOAPIC_RTE_REMOTE_IRR, 0);
}

TEST(eoi_reaches_every_pin_with_the_vector)
{
    struct ioapic_msg out[IOAPIC_PINS];
    fresh(0);
    route(13, LEVEL | 0x50);
    route(14, LEVEL | 0x50);
    route(15, LEVEL | 0x51);
    CHECK(vioapic_set_irq(&a, 13, true, &m));
    CHECK(vioapic_set_irq(&a, 14, true, &m));
    CHECK(vioapic_set_irq(&a, 15, true, &m));
    CHECK_EQ(vioapic_eoi(&a, 0x50, out), 2);
    CHECK_EQ(out[0].pin, 13);
    CHECK_EQ(out[1].pin, 14);
    CHECK(rte(15) & IOAPIC_RTE_REMOTE_IRR);
}

TEST(nmi_init_extint_are_edge_whatever_the_trigger_bit)
{
    struct ioapic_msg out[IOAPIC_PINS];
    fresh(0);
    route(0, LEVEL | IOAPIC_DM_EXTINT << 8);
    route(1, LEVEL | IOAPIC_DM_NMI << 8);
    CHECK(vioapic_set_irq(&a, 0, true, &m));
    CHECK_EQ(m.delivery, IOAPIC_DM_EXTINT);
    CHECK(!m.level);
    CHECK_EQ(rte(0) & IOAPIC_RTE_REMOTE_IRR, 0);
    CHECK(!vioapic_set_irq(&a, 0, true, &m));      /* no edge */
    CHECK(vioapic_set_irq(&a, 1, true, &m));
    CHECK_EQ(m.delivery, IOAPIC_DM_NMI);
    CHECK_EQ(vioapic_eoi(&a, 0, out), 0);
    uint64_t map[4];
    vioapic_eoi_vectors(&a, map);
    CHECK_EQ(map[0] | map[1] | map[2] | map[3], 0);
}

TEST(logical_lowest_priority_message)
{
    fresh(0);
    route(3, DEST(0x0f) | IOAPIC_RTE_LOGICAL | IOAPIC_DM_LOWEST << 8 | 0x33);
    CHECK(vioapic_set_irq(&a, 3, true, &m));
    CHECK(m.logical);
    CHECK_EQ(m.delivery, IOAPIC_DM_LOWEST);
    CHECK_EQ(m.dest, 0x0f);
}

TEST(eoi_vector_map_has_level_fixed_and_lowest_pins)
{
    uint64_t map[4];
    fresh(0);
    route(1, LEVEL | 0x21);
    route(2, IOAPIC_RTE_MASKED | LEVEL | IOAPIC_DM_LOWEST << 8 | 0xc5);
    route(3, 0x22);                             /* edge */
    vioapic_eoi_vectors(&a, map);
    CHECK_EQ(map[0], 1ull << 0x21);
    CHECK_EQ(map[1], 0);
    CHECK_EQ(map[2], 0);
    CHECK_EQ(map[3], 1ull << (0xc5 - 0xc0));
}

TEST(unmasked_queries)
{
    fresh(0);
    CHECK(!vioapic_unmasked(&a, -1, -1));
    route(0, IOAPIC_DM_EXTINT << 8);
    CHECK(vioapic_unmasked(&a, -1, -1));
    CHECK(vioapic_unmasked(&a, 0, IOAPIC_DM_EXTINT));
    CHECK(!vioapic_unmasked(&a, 0, IOAPIC_DM_FIXED));
    CHECK(vioapic_unmasked(&a, 0, -1));
    CHECK(!vioapic_unmasked(&a, 2, -1));
    CHECK(!vioapic_unmasked(&a, 24, -1));
}

TEST(pins_out_of_range_ignored)
{
    fresh(0);
    CHECK(!vioapic_set_irq(&a, 24, true, &m));
    CHECK(!vioapic_set_irq(&a, 1000, true, &m));
    CHECK_EQ(a.lines, 0);
}

TEST(reset_keeps_lines_masks_entries)
{
    fresh(0);
    route(4, 0x34);
    vioapic_set_irq(&a, 4, true, &m);
    vioapic_reset(&a, 1);
    CHECK_EQ(a.lines, 1u << 4);
    CHECK_EQ(rte(4), IOAPIC_RTE_MASKED);
    /* an edge pin held high since before the reset gives no edge */
    CHECK(!route(4, 0x34));
    CHECK(!vioapic_set_irq(&a, 4, true, &m));
}
