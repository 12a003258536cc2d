/* The 16550A's register file (vmx/dev/uart.h), after QEMU's
 * serial_ioport_read/serial_ioport_write without the transmit FIFO and
 * the timers: every byte is transmitted the moment it is written. */
#include "vmx/dev/uart.h"

#define MSR_CTS_DSR_DCD 0xb0    /* QEMU's modem lines with no real port behind */

void vuart_reset(struct vuart *u)
{
    *u = (struct vuart){
        .divisor = 12, .lsr = UART_LSR_THRE | UART_LSR_TEMT,
        .msr = MSR_CTS_DSR_DCD, .mcr = 0x08,
    };
}

/* IIR: the highest-priority pending source (16550 datasheet order); no
 * line error, character timeout or modem-status change ever happens
 * here. */
static uint8_t iir(const struct vuart *u)
{
    uint8_t id = UART_IIR_NO_INT;
    if ((u->ier & UART_IER_RDI) && (u->lsr & UART_LSR_DR))
        id = UART_IIR_RDI;
    else if ((u->ier & UART_IER_THRI) && u->thr_ipending)
        id = UART_IIR_THRI;
    return id | (u->fcr & UART_FCR_FE ? UART_IIR_FIFO : 0);
}

/* The receiver holds one byte with FIFOs off, 16 with them on. */
static unsigned rx_capacity(const struct vuart *u)
{
    return u->fcr & UART_FCR_FE ? UART_FIFO_SIZE : 1;
}

static void rx_clear(struct vuart *u)
{
    u->rx_count = 0;
    u->lsr &= (uint8_t)~UART_LSR_DR;
}

bool vuart_receive(struct vuart *u, uint8_t byte)
{
    if (u->rx_count >= rx_capacity(u))
        return false;
    u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
    u->rx_count++;
    u->lsr |= UART_LSR_DR;
    return true;
}

static uint8_t rx_take(struct vuart *u)
{
    if (u->rx_count) {
        u->rbr = u->rx[u->rx_head % UART_FIFO_SIZE];
        u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO_SIZE);
        if (!--u->rx_count)
            u->lsr &= (uint8_t)~UART_LSR_DR;
    }
    return u->rbr;              /* with nothing received: the last byte again */
}

bool vuart_irq(const struct vuart *u)
{
    return (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2 &&
           (iir(u) & 0x0f) != UART_IIR_NO_INT;
}

uint8_t vuart_read(struct vuart *u, unsigned reg)
{
    uint8_t v;
    switch (reg & 7) {
    case UART_RBR_THR_DLL:
        if (u->lcr & UART_LCR_DLAB)
            return (uint8_t)u->divisor;
        return rx_take(u);
    case UART_IER_DLM:
        return u->lcr & UART_LCR_DLAB ? (uint8_t)(u->divisor >> 8) : u->ier;
    case UART_IIR_FCR:
        v = iir(u);
        if ((v & 0x0f) == UART_IIR_THRI)
            u->thr_ipending = false;    /* reading IIR acknowledges it */
        return v;
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        return vuart_read_lsr(u);
    case UART_MSR:
        /* Loopback ties the modem outputs to the inputs: DTR to DSR, RTS
         * to CTS, OUT1 to RI, OUT2 to DCD. The OSDev-style probe checks
         * this, and the echo below. */
        if (u->mcr & UART_MCR_LOOP)
            return (uint8_t)(((u->mcr & 0x0c) << 4) | ((u->mcr & 0x02) << 3) |
                             ((u->mcr & 0x01) << 5));
        return u->msr;
    default:
        return u->scr;
    }
}

int vuart_write(struct vuart *u, unsigned reg, uint8_t val)
{
    switch (reg & 7) {
    case UART_RBR_THR_DLL:
        if (u->lcr & UART_LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0xff00) | val);
            return -1;
        }
        /* Sent at once: THR is empty again, and says so (IER bit 1). */
        u->thr_ipending = true;
        if (!(u->mcr & UART_MCR_LOOP))
            return val;
        if (!(u->fcr & UART_FCR_FE))
            rx_clear(u);        /* one byte held: the new one replaces it */
        vuart_receive(u, val);
        return -1;
    case UART_IER_DLM:
        if (u->lcr & UART_LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0x00ff) | (val << 8));
        } else {
            /* Turning THR-empty on raises it (THR is always empty);
             * turning it off drops it. Writing IER with it on already
             * changes nothing (QEMU and Bochs: the rising edge only). */
            if ((val ^ u->ier) & UART_IER_THRI)
                u->thr_ipending = val & UART_IER_THRI;
            u->ier = val & 0x0f;
        }
        return -1;
    case UART_IIR_FCR:
        /* Clearing the receive FIFO (bit 1), or switching the FIFOs on or
         * off, which clears both, empties the receiver. */
        if ((val & 0x02) || ((val ^ u->fcr) & UART_FCR_FE))
            rx_clear(u);
        u->fcr = val & 0xc9;            /* the bits of FCR that stick */
        return -1;
    case UART_LCR:
        u->lcr = val;
        return -1;
    case UART_MCR:
        u->mcr = val & 0x1f;
        return -1;
    case UART_SCR:
        u->scr = val;
        return -1;
    default:
        return -1;                      /* LSR and MSR: read-only */
    }
}
