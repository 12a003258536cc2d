/* 16550-compatible UART, polled (no interrupts). */
#ifndef KEEL_DRIVERS_UART16550_H
#define KEEL_DRIVERS_UART16550_H

#include <stdbool.h>
#include <stddef.h>

#include "drivers/uart_config.h"

/* Program the port. Returns false when no UART answers there (its scratch
 * register does not hold a value). */
bool uart_init(const struct uart_config *cfg);
void uart_write(uint16_t port, const char *s, size_t n);
/* Read the line and modem control registers of `port`, and its divisor
 * when those say a UART is there and set up (DLAB off, DTR and RTS on):
 * only then are the divisor latches switched in, for two reads, and the
 * line control written back as it was. Nothing else is written. */
void uart_read_state(uint16_t port, struct uart_state *s);

/* The next byte received, or -1 when there is none (LSR data ready clear). */
int uart_getc(uint16_t port);

/* Wait until every byte written has left the transmitter. */
void uart_drain(uint16_t port);

#endif
