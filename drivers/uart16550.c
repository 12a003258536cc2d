#include "drivers/uart16550.h"
#include "arch/x86/cpu.h"

/* Register offsets and bits: the 16550D data sheet. */
#define UART_THR 0          /* transmit holding (DLAB=0) */
#define UART_RBR 0          /* receive buffer (DLAB=0) */
#define UART_DLL 0          /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LCR_DLAB 0x80
#define LCR_STOP2 0x04
#define LCR_PARITY_ON 0x08
#define LCR_PARITY_EVEN 0x10
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS_OUT2 0x0b
#define MCR_DTR_RTS 0x03
#define MCR_ZERO 0xe0           /* always 0 on a 16550 */
#define LSR_DR 0x01         /* data ready */
#define LSR_THRE 0x20
#define LSR_TEMT 0x40       /* transmitter empty: FIFO and shift register */

/* Bound the wait for a transmitter that never empties (a port that is
 * not there), so a missing UART slows the console but never hangs Keel. */
#define UART_TX_SPINS 100000

bool uart_init(const struct uart_config *c)
{
    uint16_t p = c->port;
    outb(p + UART_SCR, 0x5a);
    if (inb(p + UART_SCR) != 0x5a)
        return false;

    uint16_t divisor = (uint16_t)(UART_CLOCK_BAUD / c->baud);
    uint8_t lcr = (uint8_t)(c->data_bits - 5);
    if (c->stop_bits == 2)
        lcr |= LCR_STOP2;
    if (c->parity != 'n')
        lcr |= LCR_PARITY_ON | (c->parity == 'e' ? LCR_PARITY_EVEN : 0);

    outb(p + UART_IER, 0);
    outb(p + UART_LCR, LCR_DLAB);
    outb(p + UART_DLL, divisor & 0xff);
    outb(p + UART_DLM, divisor >> 8);
    outb(p + UART_LCR, lcr);
    outb(p + UART_FCR, FCR_ENABLE_CLEAR);
    outb(p + UART_MCR, MCR_DTR_RTS_OUT2);
    return true;
}

void uart_read_state(uint16_t port, struct uart_state *s)
{
    *s = (struct uart_state){ .port = port };
    s->lcr = inb(port + UART_LCR);
    s->mcr = inb(port + UART_MCR);
    if ((s->lcr & LCR_DLAB) || (s->mcr & MCR_ZERO) || (s->mcr & MCR_DTR_RTS) != MCR_DTR_RTS)
        return;
    outb(port + UART_LCR, s->lcr | LCR_DLAB);
    s->divisor = (uint16_t)(inb(port + UART_DLL) | inb(port + UART_DLM) << 8);
    outb(port + UART_LCR, s->lcr);
}

void uart_write(uint16_t port, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int spin = 0; spin < UART_TX_SPINS && !(inb(port + UART_LSR) & LSR_THRE); spin++)
            cpu_relax();
        outb(port + UART_THR, (uint8_t)s[i]);
    }
}

void uart_drain(uint16_t port)
{
    for (int spin = 0; spin < UART_TX_SPINS && !(inb(port + UART_LSR) & LSR_TEMT); spin++)
        cpu_relax();
}

int uart_getc(uint16_t port)
{
    if (!(inb(port + UART_LSR) & LSR_DR))
        return -1;
    return inb(port + UART_RBR);
}
