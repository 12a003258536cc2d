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

/* Remapped to 0x20/0x28 as kernels do, every line unmasked. */
static void remapped(void)
{
    vpic_reset(&p);
    remap(0, 0x20);
    remap(1, 0x28);
}

TEST(edge_request_acknowledged_in_service_until_eoi)
{
    remapped();
    CHECK(!vpic_output(&p));
    vpic_set_irq(&p, 4, true);
    CHECK(vpic_output(&p));
    vpic_write(&p, 0, 0, 0x0a);                 /* read IRR */
    CHECK_EQ(vpic_read(&p, 0, 0), 0x10);
    CHECK_EQ(vpic_intack(&p), 0x24);
    CHECK_EQ(vpic_read(&p, 0, 0), 0);           /* IRR cleared */
    vpic_write(&p, 0, 0, 0x0b);                 /* read ISR */
    CHECK_EQ(vpic_read(&p, 0, 0), 0x10);
    CHECK(!vpic_output(&p));
    /* held high: no new edge; low then high: a new request, which waits
     * behind the one in service (same priority) */
    vpic_set_irq(&p, 4, true);
    CHECK(!vpic_output(&p));
    vpic_set_irq(&p, 4, false);
    vpic_set_irq(&p, 4, true);
    CHECK(!vpic_output(&p));
    vpic_write(&p, 0, 0, 0x20);                 /* non-specific EOI */
    CHECK_EQ(vpic_read(&p, 0, 0), 0);
    CHECK(vpic_output(&p));
    CHECK_EQ(vpic_intack(&p), 0x24);
}

TEST(request_stays_after_the_line_falls)
{
    remapped();
    vpic_set_irq(&p, 3, true);
    vpic_set_irq(&p, 3, false);
    CHECK(vpic_output(&p));
    CHECK_EQ(vpic_intack(&p), 0x23);
}

TEST(masked_request_waits_for_unmask)
{
    remapped();
    vpic_write(&p, 0, 1, 0x01);                 /* IRQ 0 masked */
    vpic_set_irq(&p, 0, true);
    CHECK(!vpic_output(&p));
    vpic_write(&p, 0, 1, 0x00);
    CHECK(vpic_output(&p));
    CHECK_EQ(vpic_intack(&p), 0x20);
}

TEST(priority_lower_number_first_higher_preempts)
{
    remapped();
    vpic_set_irq(&p, 5, true);
    vpic_set_irq(&p, 1, true);
    CHECK_EQ(vpic_intack(&p), 0x21);
    CHECK(!vpic_output(&p));                    /* 5 is below 1 in service */
    vpic_set_irq(&p, 0, true);
    CHECK(vpic_output(&p));                     /* 0 is above it */
    CHECK_EQ(vpic_intack(&p), 0x20);
    vpic_write(&p, 0, 0, 0x20);                 /* ends 0, the highest in service */
    vpic_write(&p, 0, 0, 0x0b);
    CHECK_EQ(vpic_read(&p, 0, 0), 0x02);
    CHECK(!vpic_output(&p));
    vpic_write(&p, 0, 0, 0x61);                 /* specific EOI, IRQ 1 */
    CHECK_EQ(vpic_intack(&p), 0x25);
}

TEST(slave_through_the_cascade)
{
    remapped();
    vpic_set_irq(&p, 12, true);
    CHECK(vpic_output(&p));
    CHECK_EQ(vpic_intack(&p), 0x2c);
    vpic_write(&p, 1, 0, 0x0b);
    CHECK_EQ(vpic_read(&p, 1, 0), 0x10);        /* slave ISR: IRQ 4 of the slave */
    vpic_write(&p, 0, 0, 0x0b);
    CHECK_EQ(vpic_read(&p, 0, 0), 0x04);        /* master ISR: the cascade */
    /* another slave line waits until both EOIs */
    vpic_set_irq(&p, 9, true);
    CHECK(!vpic_output(&p));
    vpic_write(&p, 1, 0, 0x20);
    vpic_write(&p, 0, 0, 0x20);
    CHECK(vpic_output(&p));
    CHECK_EQ(vpic_intack(&p), 0x29);
}

TEST(slave_masked_in_master_waits)
{
    remapped();
    vpic_write(&p, 0, 1, 0x04);                 /* cascade masked */
    vpic_set_irq(&p, 8, true);
    CHECK(!vpic_output(&p));
    vpic_write(&p, 0, 1, 0x00);
    CHECK(vpic_output(&p));
    CHECK_EQ(vpic_intack(&p), 0x28);
}

TEST(spurious_irq7_when_nothing_requested)
{
    remapped();
    CHECK_EQ(vpic_intack(&p), 0x27);
    vpic_write(&p, 0, 0, 0x0b);
    CHECK_EQ(vpic_read(&p, 0, 0), 0);           /* not in service */
}

TEST(auto_eoi_leaves_nothing_in_service)
{
    vpic_reset(&p);
    vpic_write(&p, 0, 0, 0x11);
    vpic_write(&p, 0, 1, 0x20);
    vpic_write(&p, 0, 1, 0x04);
    vpic_write(&p, 0, 1, 0x03);                 /* 8086, auto EOI */
    vpic_set_irq(&p, 6, true);
    CHECK_EQ(vpic_intack(&p), 0x26);
    vpic_write(&p, 0, 0, 0x0b);
    CHECK_EQ(vpic_read(&p, 0, 0), 0);
    vpic_set_irq(&p, 6, false);
    vpic_set_irq(&p, 6, true);
    CHECK(vpic_output(&p));                     /* no EOI needed */
}

TEST(rotation_on_nonspecific_eoi)
{
    remapped();
    vpic_set_irq(&p, 3, true);
    CHECK_EQ(vpic_intack(&p), 0x23);
    vpic_write(&p, 0, 0, 0xa0);                 /* rotate on non-specific EOI */
    CHECK_EQ(p.chip[0].priority_add, 4);        /* IRQ 3 now lowest */
    vpic_set_irq(&p, 3, false);
    vpic_set_irq(&p, 3, true);
    vpic_set_irq(&p, 5, true);
    CHECK_EQ(vpic_intack(&p), 0x25);            /* 5 is above 3 now */
}

TEST(special_mask_mode_lets_lower_lines_in)
{
    remapped();
    vpic_set_irq(&p, 1, true);
    CHECK_EQ(vpic_intack(&p), 0x21);
    vpic_write(&p, 0, 1, 0x02);                 /* mask IRQ 1 (in service) */
    vpic_write(&p, 0, 0, 0x68);                 /* OCW3: special mask mode on */
    vpic_set_irq(&p, 4, true);
    CHECK(vpic_output(&p));
    CHECK_EQ(vpic_intack(&p), 0x24);
}

TEST(poll_acknowledges)
{
    remapped();
    vpic_set_irq(&p, 5, true);
    vpic_write(&p, 0, 0, 0x0c);                 /* poll */
    CHECK_EQ(vpic_read(&p, 0, 0), 0x85);
    CHECK(!vpic_output(&p));
    vpic_write(&p, 0, 0, 0x0b);
    CHECK_EQ(vpic_read(&p, 0, 0), 0x20);        /* in service */
}

TEST(icw1_clears_requests_and_service)
{
    remapped();
    vpic_set_irq(&p, 4, true);
    vpic_set_irq(&p, 1, true);
    CHECK_EQ(vpic_intack(&p), 0x21);
    remap(0, 0x30);
    CHECK(!vpic_output(&p));
    vpic_write(&p, 0, 0, 0x0b);
    CHECK_EQ(vpic_read(&p, 0, 0), 0);
    /* a line still high gives an edge again */
    vpic_set_irq(&p, 4, true);
    CHECK_EQ(vpic_intack(&p), 0x34);
}

TEST(lines_past_15_ignored)
{
    remapped();
    vpic_set_irq(&p, 16, true);
    vpic_set_irq(&p, 255, true);
    CHECK(!vpic_output(&p));
}
