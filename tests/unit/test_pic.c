// unit: vmx/dev/pic.c
#include "vmx/dev/pic.h"
#include "unit.h"

static struct vpic p;

/* The usual remap: ICW1 with ICW4, ICW2 base, ICW3 cascade, ICW4 8086. */
static void remap(unsigned chip, uint8_t base)
{
    vpic_write(&p, chip, 0, 0x11);
    vpic_write(&p, chip, 1, base);
    vpic_write(&p, chip, 1, chip ? 2 : 4);
    vpic_write(&p, chip, 1, 0x01);
}

TEST(reset_is_as_the_bios_leaves_it)
{
    vpic_reset(&p);
    CHECK_EQ(p.chip[0].vector_base, 0x08);
    CHECK_EQ(p.chip[1].vector_base, 0x70);
    CHECK_EQ(vpic_read(&p, 0, 1), 0xfb);
    CHECK_EQ(vpic_read(&p, 1, 1), 0xff);
}

TEST(init_sequence_then_masks_read_back)
{
    vpic_reset(&p);
    remap(0, 0x20);
    remap(1, 0x28);
    CHECK_EQ(p.chip[0].vector_base, 0x20);
    CHECK_EQ(p.chip[1].vector_base, 0x28);
    CHECK_EQ(vpic_read(&p, 0, 1), 0);           /* ICW1 clears the mask */
    CHECK_EQ(p.chip[0].init_state, 0);
    vpic_write(&p, 0, 1, 0xa5);
    vpic_write(&p, 1, 1, 0x5a);
    CHECK_EQ(vpic_read(&p, 0, 1), 0xa5);
    CHECK_EQ(vpic_read(&p, 1, 1), 0x5a);
}

TEST(icw2_masks_low_bits_icw4_auto_eoi)
{
    vpic_reset(&p);
    vpic_write(&p, 0, 0, 0x11);
    vpic_write(&p, 0, 1, 0x27);
    vpic_write(&p, 0, 1, 0x04);
    vpic_write(&p, 0, 1, 0x03);                 /* 8086, auto EOI */
    CHECK_EQ(p.chip[0].vector_base, 0x20);
    CHECK(p.chip[0].auto_eoi);
}

TEST(single_without_icw4)
{
    vpic_reset(&p);
    vpic_write(&p, 0, 0, 0x12);                 /* single, no ICW4 */
    vpic_write(&p, 0, 1, 0x40);
    CHECK_EQ(p.chip[0].init_state, 0);
    vpic_write(&p, 0, 1, 0x33);                 /* now OCW1 */
    CHECK_EQ(vpic_read(&p, 0, 1), 0x33);
}

TEST(ocw3_selects_irr_or_isr_both_zero)
{
    vpic_reset(&p);
    vpic_write(&p, 0, 0, 0x0a);                 /* read IRR */
    CHECK_EQ(vpic_read(&p, 0, 0), 0);
    CHECK(!p.chip[0].read_isr);
    vpic_write(&p, 0, 0, 0x0b);                 /* read ISR */
    CHECK(p.chip[0].read_isr);
    CHECK_EQ(vpic_read(&p, 0, 0), 0);
    vpic_write(&p, 0, 0, 0x0c);                 /* poll: no interrupt */
    CHECK_EQ(vpic_read(&p, 0, 1), 0);
    CHECK_EQ(vpic_read(&p, 0, 1), 0xfb);        /* the poll is over */
}

TEST(ocw2_eoi_and_priority_accepted)
{
    vpic_reset(&p);
    vpic_write(&p, 0, 0, 0x20);                 /* non-specific EOI */
    vpic_write(&p, 1, 0, 0x62);                 /* specific EOI, IRQ 2 */
    vpic_write(&p, 0, 0, 0xc3);                 /* set priority: IRQ 3 lowest */
    CHECK_EQ(p.chip[0].priority_add, 4);
    CHECK_EQ(vpic_read(&p, 0, 1), 0xfb);        /* the mask is untouched */
}
