/* Keel's console: one serial port. Until console_init() runs, output is
 * kept in a buffer and written out then, so nothing said early is lost. */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H

#include <stddef.h>

#include "drivers/uart_config.h"

/* Start the console on `cfg` (NULL: console=none). A port where no UART
 * answers falls back to COM1, and says so. */
void console_init(const struct uart_config *cfg);

/* "serial port 0x3f8 at 115200 8N1", or "off". */
const char *console_describe(void);

/* Write bytes; "\n" goes out as "\r\n". Callers write whole lines. */
void console_write(const char *s, size_t n);

/* The next byte typed on the console, or -1 (none, or no console). */
int console_getc(void);

/* Wait until everything written has left the serial port: before a power
 * off, which would cut the last line short. */
void console_drain(void);

/* For panics and exceptions: make sure output reaches COM1 at its default
 * settings even if the console was never started or is off. */
void console_emergency(void);

#endif
