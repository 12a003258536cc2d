// unit: vmx/dev/uart_regs.c
#include "vmx/dev/uart.h"
#include "unit.h"

static struct vuart u;

TEST(reset_values_as_qemu)
{
    vuart_reset(&u);
    CHECK_EQ(vuart_read(&u, UART_LSR), 0x60);
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_NO_INT);
    CHECK_EQ(vuart_read(&u, UART_MCR), 0x08);
    CHECK_EQ(vuart_read(&u, UART_MSR), 0xb0);
    CHECK_EQ(vuart_read(&u, UART_LCR), 0);
    CHECK_EQ(vuart_read(&u, UART_RBR_THR_DLL), 0);
}

TEST(thr_transmits_and_lsr_stays_ready)
{
    vuart_reset(&u);
    CHECK_EQ(vuart_write(&u, UART_RBR_THR_DLL, 'A'), 'A');
    CHECK_EQ(vuart_read(&u, UART_LSR) & 0x60, 0x60);
    CHECK_EQ(vuart_write(&u, UART_RBR_THR_DLL, 0xff), 0xff);
}

TEST(scratch_and_lcr_read_back)
{
    vuart_reset(&u);
    CHECK_EQ(vuart_write(&u, UART_SCR, 0x5a), -1);
    CHECK_EQ(vuart_read(&u, UART_SCR), 0x5a);
    vuart_write(&u, UART_LCR, 0x1b);
    CHECK_EQ(vuart_read(&u, UART_LCR), 0x1b);
    vuart_write(&u, UART_LSR, 0);               /* read-only */
    CHECK_EQ(vuart_read(&u, UART_LSR), 0x60);
}

TEST(dlab_gives_divisor_latch)
{
    vuart_reset(&u);
    vuart_write(&u, UART_IER_DLM, 0x05);        /* IER */
    vuart_write(&u, UART_LCR, 0x80);
    CHECK_EQ(vuart_read(&u, UART_RBR_THR_DLL), 12);     /* 9600 baud at reset */
    CHECK_EQ(vuart_write(&u, UART_RBR_THR_DLL, 0x01), -1);  /* not transmitted */
    vuart_write(&u, UART_IER_DLM, 0x02);
    CHECK_EQ(vuart_read(&u, UART_RBR_THR_DLL), 0x01);
    CHECK_EQ(vuart_read(&u, UART_IER_DLM), 0x02);
    CHECK_EQ(u.divisor, 0x0201);
    vuart_write(&u, UART_LCR, 0x03);
    CHECK_EQ(vuart_read(&u, UART_IER_DLM), 0x05);       /* IER again */
}

TEST(ier_keeps_low_nibble)
{
    vuart_reset(&u);
    vuart_write(&u, UART_IER_DLM, 0xff);
    CHECK_EQ(vuart_read(&u, UART_IER_DLM), 0x0f);
}

TEST(iir_thr_empty_acknowledged_by_read)
{
    vuart_reset(&u);
    vuart_write(&u, UART_IIR_FCR, 0x07);        /* FIFOs on */
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), 0xc1);
    vuart_write(&u, UART_IER_DLM, UART_IER_THRI);
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), 0xc2);
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), 0xc1);       /* acknowledged */
    vuart_write(&u, UART_RBR_THR_DLL, 'x');
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), 0xc2);       /* empty again */
    vuart_write(&u, UART_IIR_FCR, 0x00);
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), 0x01);
}

TEST(loopback_echoes_and_ties_modem_lines)
{
    /* The OSDev probe: MCR 0x1e, send 0xae, expect it back. */
    vuart_reset(&u);
    vuart_write(&u, UART_MCR, 0x1e);
    CHECK_EQ(vuart_write(&u, UART_RBR_THR_DLL, 0xae), -1);  /* not sent out */
    CHECK_EQ(vuart_read(&u, UART_LSR) & 0x61, 0x61);
    CHECK_EQ(vuart_read(&u, UART_MSR), 0xd0);   /* RTS->CTS, OUT1->RI, OUT2->DCD */
    CHECK_EQ(vuart_read(&u, UART_RBR_THR_DLL), 0xae);
    CHECK_EQ(vuart_read(&u, UART_LSR) & 0x01, 0);
    vuart_write(&u, UART_MCR, 0x13);            /* DTR, RTS */
    CHECK_EQ(vuart_read(&u, UART_MSR), 0x30);
    vuart_write(&u, UART_MCR, 0x0f);
    CHECK_EQ(vuart_write(&u, UART_RBR_THR_DLL, 'o'), 'o');
    CHECK_EQ(vuart_read(&u, UART_MSR), 0xb0);
}

TEST(loopback_receive_interrupt_and_fifo_clear)
{
    vuart_reset(&u);
    vuart_write(&u, UART_MCR, 0x10);
    vuart_write(&u, UART_IER_DLM, UART_IER_RDI | UART_IER_THRI);
    vuart_write(&u, UART_RBR_THR_DLL, 1);
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_RDI);   /* before THR empty */
    vuart_write(&u, UART_RBR_THR_DLL, 2);       /* replaces the first */
    CHECK_EQ(vuart_read(&u, UART_LSR), 0x61);
    CHECK_EQ(vuart_read(&u, UART_RBR_THR_DLL), 2);
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_THRI);
    vuart_write(&u, UART_RBR_THR_DLL, 3);
    vuart_write(&u, UART_IIR_FCR, 0x03);        /* FIFO on + clear: receiver emptied */
    CHECK_EQ(vuart_read(&u, UART_LSR) & 0x01, 0);
}

TEST(register_index_wraps_at_8)
{
    vuart_reset(&u);
    vuart_write(&u, 8 + UART_SCR, 0x42);
    CHECK_EQ(vuart_read(&u, UART_SCR), 0x42);
}

TEST(shortcuts_match_the_register_file)
{
    struct vuart a, b;
    vuart_reset(&a);
    vuart_write(&a, UART_MCR, 0x10);
    vuart_write(&a, UART_RBR_THR_DLL, 1);       /* DR set */
    b = a;
    CHECK_EQ(vuart_read_lsr(&a), vuart_read(&b, UART_LSR));
    CHECK(!memcmp(&a, &b, sizeof(a)));
    CHECK_EQ(vuart_read_lsr(&a), vuart_read(&b, UART_LSR));
    CHECK(!memcmp(&a, &b, sizeof(a)));
    vuart_write_scr(&a, 0x77);
    vuart_write(&b, UART_SCR, 0x77);
    CHECK(!memcmp(&a, &b, sizeof(a)));
}

TEST(received_bytes_in_order_fifo_holds_16)
{
    vuart_reset(&u);
    vuart_write(&u, UART_IIR_FCR, 0x07);        /* FIFOs on, cleared */
    for (unsigned i = 0; i < UART_FIFO_SIZE; i++)
        CHECK(vuart_receive(&u, (uint8_t)('a' + i)));
    CHECK(!vuart_receive(&u, 'z'));             /* full: not taken */
    for (unsigned i = 0; i < UART_FIFO_SIZE; i++) {
        CHECK_EQ(vuart_read(&u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
        CHECK_EQ(vuart_read(&u, UART_RBR_THR_DLL), 'a' + i);
    }
    CHECK_EQ(vuart_read(&u, UART_LSR) & UART_LSR_DR, 0);
    CHECK_EQ(vuart_read(&u, UART_RBR_THR_DLL), 'a' + UART_FIFO_SIZE - 1);   /* the last again */
    CHECK(vuart_receive(&u, 'z'));
    CHECK_EQ(vuart_read(&u, UART_RBR_THR_DLL), 'z');
}

TEST(without_fifo_the_receiver_holds_one_byte)
{
    vuart_reset(&u);
    CHECK(vuart_receive(&u, '1'));
    CHECK(!vuart_receive(&u, '2'));
    CHECK_EQ(vuart_read(&u, UART_RBR_THR_DLL), '1');
    CHECK(vuart_receive(&u, '2'));
    vuart_write(&u, UART_IIR_FCR, 0x01);        /* FIFOs on: the receiver is emptied */
    CHECK_EQ(vuart_read(&u, UART_LSR) & UART_LSR_DR, 0);
}

TEST(receive_interrupt_while_data_held)
{
    vuart_reset(&u);
    vuart_write(&u, UART_IER_DLM, UART_IER_RDI);
    CHECK(!vuart_irq(&u));
    vuart_receive(&u, 'k');
    CHECK(vuart_irq(&u));
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_RDI);
    CHECK(vuart_irq(&u));                       /* reading IIR does not end it */
    vuart_read(&u, UART_RBR_THR_DLL);
    CHECK(!vuart_irq(&u));
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_NO_INT);
}

TEST(thr_empty_interrupt_edge_of_ier_only)
{
    vuart_reset(&u);
    vuart_write(&u, UART_IER_DLM, UART_IER_THRI);
    CHECK(vuart_irq(&u));
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_THRI);
    CHECK(!vuart_irq(&u));                      /* acknowledged by the IIR read */
    vuart_write(&u, UART_IER_DLM, UART_IER_THRI);   /* on already: nothing */
    CHECK(!vuart_irq(&u));
    vuart_write(&u, UART_IER_DLM, 0);
    vuart_write(&u, UART_IER_DLM, UART_IER_THRI);   /* off and on: again (Linux's THRE test) */
    CHECK(vuart_irq(&u));
    vuart_write(&u, UART_IER_DLM, 0);           /* off: gone, and not shown */
    CHECK(!vuart_irq(&u));
    CHECK(!u.thr_ipending);
    vuart_write(&u, UART_IER_DLM, UART_IER_THRI);
    vuart_read(&u, UART_IIR_FCR);
    CHECK_EQ(vuart_write(&u, UART_RBR_THR_DLL, 'x'), 'x');
    CHECK(vuart_irq(&u));                       /* sent: empty again */
}

TEST(receive_outranks_thr_empty_in_iir)
{
    vuart_reset(&u);
    vuart_write(&u, UART_IER_DLM, UART_IER_RDI | UART_IER_THRI);
    vuart_receive(&u, 1);
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_RDI);
    CHECK(u.thr_ipending);                      /* not acknowledged: not shown */
    vuart_read(&u, UART_RBR_THR_DLL);
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_THRI);
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_NO_INT);
}

TEST(irq_line_gated_by_out2_and_loopback)
{
    vuart_reset(&u);
    vuart_write(&u, UART_IER_DLM, UART_IER_THRI);
    CHECK(vuart_irq(&u));
    vuart_write(&u, UART_MCR, 0x03);            /* DTR, RTS, no OUT2 */
    CHECK(!vuart_irq(&u));
    CHECK_EQ(vuart_read(&u, UART_IIR_FCR), UART_IIR_THRI);     /* pending all the same */
    vuart_write(&u, UART_IER_DLM, 0);
    vuart_write(&u, UART_IER_DLM, UART_IER_THRI);
    vuart_write(&u, UART_MCR, 0x0b);
    CHECK(vuart_irq(&u));
    vuart_write(&u, UART_MCR, 0x1b);            /* loopback: the pin is cut off */
    CHECK(!vuart_irq(&u));
}
