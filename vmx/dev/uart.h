/* A 16550A UART's registers (the one at COM1), as QEMU's hw/char/serial.c
 * presents them: the transmitter is always ready (what is written to THR
 * goes out at once), nothing is ever received except in loopback mode
 * (one byte: a second replaces the first, with no overrun error; no line
 * error ever shows), and the modem lines say carrier, DSR and CTS. No FIFO contents are kept
 * and no interrupt is raised: the guest has no PIC delivery yet, so IIR
 * only says what would be pending. Pure: the caller sends the byte a
 * write returns (vmx/dev/uart.c). Unit-tested in tests/unit/test_uart.c. */
#ifndef KEEL_VMX_DEV_UART_H
#define KEEL_VMX_DEV_UART_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets from the base port (DLAB = LCR bit 7 turns 0 and 1
 * into the divisor latch). */
enum uart_reg {
    UART_RBR_THR_DLL = 0, UART_IER_DLM = 1, UART_IIR_FCR = 2, UART_LCR = 3,
    UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define UART_LCR_DLAB   0x80
#define UART_LSR_DR     0x01
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_MCR_LOOP   0x10
#define UART_IIR_NO_INT 0x01
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_FIFO   0xc0    /* FIFOs enabled (FCR bit 0) */
#define UART_IER_RDI    0x01
#define UART_IER_THRI   0x02
#define UART_FCR_FE     0x01

struct vuart {
    uint16_t divisor;
    uint8_t rbr, ier, lcr, mcr, lsr, msr, scr, fcr;
    bool thr_ipending;          /* THR-empty interrupt pending (IER bit 1) */
};

/* The state after reset (QEMU serial_reset): 9600 baud, OUT2 set. */
void vuart_reset(struct vuart *u);

/* A read of register `reg` (0-7). Reading IIR acknowledges a THR-empty
 * interrupt it shows; reading RBR empties it. */
uint8_t vuart_read(struct vuart *u, unsigned reg);

/* A write: returns the byte to transmit (a THR write outside loopback
 * mode), or -1. */
int vuart_write(struct vuart *u, unsigned reg, uint8_t val);

/* The exit path's shortcuts (make bench measures them): the same as
 * vuart_read of LSR and vuart_write of SCR, without the register switch.
 * Reading LSR changes nothing: no error bit (OE, PE, FE, BI) is ever set,
 * so none has to be cleared. */
static inline uint8_t vuart_read_lsr(const struct vuart *u)
{
    return u->lsr;
}

static inline void vuart_write_scr(struct vuart *u, uint8_t val)
{
    u->scr = val;
}

#endif
