/* Which serial port is Keel's console, when the command line does not
 * say: the port the loader used, else the one ACPI's SPCR or DBG2 names,
 * else the BIOS data area's first, else COM1 (docs/hardware.md, "The
 * serial console"). Pure: drivers/serial_console.c gathers the facts from
 * the machine, this decides and says why; unit-tested. */
#ifndef KEEL_DRIVERS_SERIAL_DISCOVER_H
#define KEEL_DRIVERS_SERIAL_DISCOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/acpi_serial.h"
#include "drivers/uart_config.h"

#define SERIAL_PROBE_MAX 8          /* COM1-4 and up to 4 more from the BIOS data area */

enum serial_source {
    SERIAL_FROM_OPTIONS,            /* console= or comN= */
    SERIAL_FROM_LOADER,             /* the UART the loader left set up */
    SERIAL_FROM_SPCR,
    SERIAL_FROM_DBG2,
    SERIAL_FROM_BDA,                /* BIOS data area, 0x400 */
    SERIAL_FROM_DEFAULT,            /* COM1 */
    SERIAL_NONE,                    /* console=none */
};

struct serial_facts {
    /* The command line: console= given (its index, CONSOLE_NONE = none)
     * and which comN= were given, with the settings parsed. */
    bool console_given;
    int console;
    unsigned com_given;             /* bit i: com(i+1)= */
    struct uart_config com[UART_PORTS];

    /* Each candidate port's state as the loader left it. */
    struct uart_state probe[SERIAL_PROBE_MAX];
    unsigned nprobe;

    /* ACPI: the first usable description wins; `acpi_note` says why there
     * was none ("no RSDP", "no SPCR or DBG2 table", ...). */
    bool have_spcr, have_dbg2;
    struct acpi_serial spcr, dbg2;
    const char *acpi_note;

    /* The BIOS data area's four COM port words (BIOS boots only). */
    bool bios;
    uint16_t bda[UART_PORTS];
};

struct serial_choice {
    enum serial_source source;
    struct uart_config cfg;         /* unless SERIAL_NONE */
    char why[320];                  /* one line for the log */
};

/* A port the loader set up and left on: a 16550 whose line control has
 * a frame and no DLAB, whose modem control has DTR and RTS on (GRUB's
 * serial driver sets both, grub-core/term/ns8250.c; a reset UART has
 * them off) and nothing in its always-zero bits, and a divisor. Reading
 * a port with nothing behind it gives 0xff: not set up. */
bool uart_state_set_up(const struct uart_state *s);

/* The settings a set-up port runs with (its divisor at 1.8432 MHz and its
 * frame), as a uart_config at that port. */
struct uart_config uart_state_config(const struct uart_state *s);

/* Decide. Never fails: COM1 is the last resort. */
void serial_choose(const struct serial_facts *f, struct serial_choice *out);

const char *serial_source_name(enum serial_source s);

#endif
