/* The 16550A's register file (vmx/dev/uart.h), after QEMU's
 * serial_ioport_read/serial_ioport_write without the FIFO contents and
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

uint8_t vuart_read(struct vuart *u, unsigned reg)
{
    uint8_t v;
    switch (reg & 7) {
    case UART_RBR_THR_DLL:
        if (u->lcr & UART_LCR_DLAB)
            return (uint8_t)u->divisor;
        u->lsr &= (uint8_t)~UART_LSR_DR;
        return u->rbr;
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
        u->rbr = val;
        u->lsr |= UART_LSR_DR;
        return -1;
    case UART_IER_DLM:
        if (u->lcr & UART_LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0x00ff) | (val << 8));
        } else {
            u->ier = val & 0x0f;
            u->thr_ipending = true;     /* THR is always empty */
        }
        return -1;
    case UART_IIR_FCR:
        /* Clearing the receive FIFO (bit 1), or switching the FIFOs on or
         * off, which clears both, empties the receiver. */
        if ((val & 0x02) || ((val ^ u->fcr) & UART_FCR_FE))
            u->lsr &= (uint8_t)~UART_LSR_DR;
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
