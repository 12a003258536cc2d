/* A 16550A UART's registers (the one at COM1), as QEMU's hw/char/serial.c
 * presents them: the transmitter is always ready (what is written to THR
 * goes out at once), the receiver takes what the host gives it
 * (vuart_receive: the 16-byte FIFO, or one byte with FIFOs off) or, in
 * loopback mode, what the guest sends (a byte beyond what the receiver
 * holds replaces the last one with FIFOs off, and is dropped with them
 * on, with no overrun error; no line error ever shows), and the modem
 * lines say carrier, DSR and CTS.
 *
 * Interrupts (vuart_irq, the chip's INTR pin as a PC wires it: through
 * MCR OUT2, and not in loopback mode): received data available (IER bit
 * 0) while the receiver holds a byte (a trigger level of one byte, so the
 * character timeout is never needed), and THR empty (IER bit 1): set when
 * the bit is turned on and after each byte sent, which is at once;
 * cleared by reading IIR while it is the one IIR shows, or by turning the
 * bit off. Pure: the caller sends the byte a write returns and drives the
 * IRQ line (vmx/dev/uart.c). Unit-tested in tests/unit/test_uart.c. */
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

#define UART_MCR_OUT2   0x08
#define UART_FIFO_SIZE  16

struct vuart {
    uint16_t divisor;
    uint8_t rbr, ier, lcr, mcr, lsr, msr, scr, fcr;
    bool thr_ipending;          /* THR-empty interrupt pending (IER bit 1) */
    uint8_t rx[UART_FIFO_SIZE]; /* the receiver: rx_count bytes from rx_head */
    uint8_t rx_head, rx_count;
};

/* The state after reset (QEMU serial_reset): 9600 baud, OUT2 set. */
void vuart_reset(struct vuart *u);

/* A read of register `reg` (0-7). Reading IIR acknowledges a THR-empty
 * interrupt it shows; reading RBR takes the oldest byte received. */
uint8_t vuart_read(struct vuart *u, unsigned reg);

/* A write: returns the byte to transmit (a THR write outside loopback
 * mode), or -1. */
int vuart_write(struct vuart *u, unsigned reg, uint8_t val);

/* A byte from outside for the receiver: false (nothing taken) when it is
 * full, so the sender can hold the byte and try again. */
bool vuart_receive(struct vuart *u, uint8_t byte);

/* The INTR pin as the PC's ISA IRQ line sees it. */
bool vuart_irq(const struct vuart *u);

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
