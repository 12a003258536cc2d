/* Serial port settings and their command-line form (docs/options.md):
 *   comN=<baud>[,<data><parity><stop>][,<io-port>]   e.g. com1=9600,7e1,0x3f8
 * Fields after the speed may come in any order. Pure: unit-tested. */
#ifndef KEEL_DRIVERS_UART_CONFIG_H
#define KEEL_DRIVERS_UART_CONFIG_H

#include <stdint.h>

#define UART_PORTS        4
#define UART_CLOCK_BAUD   115200u   /* 1.8432 MHz / 16: divisor 1 */
#define UART_DEFAULT_BAUD 115200u

struct uart_config {
    uint16_t port;          /* I/O base */
    uint32_t baud;
    uint8_t data_bits;      /* 5..8 */
    char parity;            /* 'n', 'o', 'e' */
    uint8_t stop_bits;      /* 1, 2 */
};

/* A 16550's registers as Keel found them at boot (uart_read_state), before
 * it wrote anything: drivers/serial_discover.c reads what the loader left. */
struct uart_state {
    uint16_t port;
    uint8_t lcr, mcr;
    uint16_t divisor;       /* read only when the port looks set up; else 0 */
};

/* COM1..COM4's standard I/O bases at 115200 8N1. index 0 = COM1. */
struct uart_config uart_default_config(int index);

/* Update `cfg` from a comN= value. Returns NULL, or why the value is
 * wrong (cfg then unchanged). */
const char *uart_parse_config(const char *spec, struct uart_config *cfg);

#endif
