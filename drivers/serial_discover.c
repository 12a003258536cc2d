#include "drivers/serial_discover.h"
#include "drivers/acpi_tables.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"
#include "kernel/options.h"

/* 16550 register bits (the 16550D data sheet). */
#define LCR_DLAB        0x80
#define LCR_PARITY_ON   0x08
#define LCR_PARITY_EVEN 0x10
#define LCR_STOP2       0x04
#define MCR_DTR_RTS     0x03
#define MCR_ZERO        0xe0        /* always 0 on a 16550 */

static const uint16_t std_ports[UART_PORTS] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

bool uart_state_set_up(const struct uart_state *s)
{
    return s->port && !(s->lcr & LCR_DLAB) && (s->mcr & MCR_DTR_RTS) == MCR_DTR_RTS &&
           !(s->mcr & MCR_ZERO) && s->divisor;
}

struct uart_config uart_state_config(const struct uart_state *s)
{
    struct uart_config c = uart_default_config(0);
    c.port = s->port;
    c.baud = s->divisor ? UART_CLOCK_BAUD / s->divisor : UART_DEFAULT_BAUD;
    if (!c.baud)
        c.baud = 1;             /* divisors above 115200 cannot be written back exactly */
    c.data_bits = (uint8_t)((s->lcr & 3) + 5);
    c.stop_bits = s->lcr & LCR_STOP2 ? 2 : 1;
    c.parity = !(s->lcr & LCR_PARITY_ON) ? 'n' : s->lcr & LCR_PARITY_EVEN ? 'e' : 'o';
    return c;
}

const char *serial_source_name(enum serial_source s)
{
    static const char *const names[] = {
        "command line", "loader", "ACPI SPCR", "ACPI DBG2", "BIOS data area", "default", "none",
    };
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* "COM2 (0x2f8)" or "port 0x2e0". */
static const char *port_name(uint16_t port, char *buf, size_t size)
{
    for (int i = 0; i < UART_PORTS; i++)
        if (std_ports[i] == port) {
            ksnprintf(buf, size, "COM%d (0x%x)", i + 1, port);
            return buf;
        }
    ksnprintf(buf, size, "port 0x%x", port);
    return buf;
}

static const struct uart_state *find_probe(const struct serial_facts *f, uint64_t port)
{
    for (unsigned i = 0; i < f->nprobe && i < SERIAL_PROBE_MAX; i++)
        if (f->probe[i].port == port)
            return &f->probe[i];
    return NULL;
}

/* Settings for a port ACPI names: its speed, or the one the port runs at
 * ("as is") when set up, else 115200; 8N1 as SPCR defines nothing else. */
static void from_acpi(const struct serial_facts *f, const struct acpi_serial *a,
                      struct serial_choice *out)
{
    char name[24], kind[24], speed[80];
    const struct uart_state *s = find_probe(f, a->address);
    out->cfg = uart_default_config(0);
    out->cfg.port = (uint16_t)a->address;
    if (a->baud) {
        out->cfg.baud = a->baud;
        ksnprintf(speed, sizeof(speed), "%u as the table says", a->baud);
    } else if (s && uart_state_set_up(s)) {
        out->cfg = uart_state_config(s);
        ksnprintf(speed, sizeof(speed), "%u as the firmware left it", out->cfg.baud);
    } else {
        ksnprintf(speed, sizeof(speed), "115200 (the table says 'as is', the port is not set "
                  "up)");
    }
    ksnprintf(out->why, sizeof(out->why), "%s, speed %s: the ACPI %s table names it (%s)",
              port_name(out->cfg.port, name, sizeof(name)), speed, a->table,
              acpi_uart_subtype_name(a->subtype, kind, sizeof(kind)));
}

/* Why an ACPI description was passed over, for the final line. */
static void acpi_skip_note(const struct acpi_serial *a, char *buf, size_t size)
{
    char kind[24];
    ksnprintf(buf, size, "%s: %s at %s 0x%llx, not a UART Keel can drive", a->table,
              acpi_uart_subtype_name(a->subtype, kind, sizeof(kind)),
              a->space == ACPI_GAS_IO ? "I/O port" : a->space == ACPI_GAS_MEMORY ? "memory" :
                                                                                  "space",
              (unsigned long long)a->address);
}

static bool choose_option(const struct serial_facts *f, struct serial_choice *out)
{
    char name[24];
    int i;
    const char *how;
    if (f->console_given) {
        if (f->console == CONSOLE_NONE) {
            out->source = SERIAL_NONE;
            ksnprintf(out->why, sizeof(out->why), "none: console=none on the command line");
            return true;
        }
        i = f->console;
        how = "console=com";
    } else if (f->com_given) {
        i = __builtin_ctz(f->com_given);
        how = "com";
    } else {
        return false;
    }
    out->source = SERIAL_FROM_OPTIONS;
    out->cfg = f->com[i];
    ksnprintf(out->why, sizeof(out->why), "%s: %s%d%s on the command line",
              port_name(out->cfg.port, name, sizeof(name)), how, i + 1,
              f->console_given ? "" : "=");
    return true;
}

static bool choose_loader(const struct serial_facts *f, struct serial_choice *out)
{
    const struct uart_state *pick = NULL;
    unsigned n = 0;
    for (unsigned i = 0; i < f->nprobe && i < SERIAL_PROBE_MAX; i++) {
        const struct uart_state *s = &f->probe[i];
        if (!uart_state_set_up(s))
            continue;
        n++;
        /* Several set up (firmware and loader): the one ACPI names, else
         * the first in COM order. */
        bool named = (f->have_spcr && f->spcr.usable && f->spcr.address == s->port) ||
                     (f->have_dbg2 && f->dbg2.usable && f->dbg2.address == s->port);
        if (!pick || named)
            pick = s;
    }
    if (!pick)
        return false;
    char name[24];
    out->source = SERIAL_FROM_LOADER;
    out->cfg = uart_state_config(pick);
    ksnprintf(out->why, sizeof(out->why),
              "%s at %u %u%c%u: the port the loader set up and left on (DTR and RTS on; "
              "Multiboot2 has no tag that names it)%s",
              port_name(pick->port, name, sizeof(name)), out->cfg.baud, out->cfg.data_bits,
              out->cfg.parity - 'a' + 'A', out->cfg.stop_bits,
              n > 1 ? "; others were set up too" : "");
    return true;
}

void serial_choose(const struct serial_facts *f, struct serial_choice *out)
{
    memset(out, 0, sizeof(*out));
    if (choose_option(f, out) || choose_loader(f, out))
        return;

    char skipped[2][96] = { "", "" };
    if (f->have_spcr && f->spcr.usable) {
        out->source = SERIAL_FROM_SPCR;
        from_acpi(f, &f->spcr, out);
        return;
    }
    if (f->have_spcr)
        acpi_skip_note(&f->spcr, skipped[0], sizeof(skipped[0]));
    if (f->have_dbg2 && f->dbg2.usable) {
        out->source = SERIAL_FROM_DBG2;
        from_acpi(f, &f->dbg2, out);
        return;
    }
    if (f->have_dbg2)
        acpi_skip_note(&f->dbg2, skipped[1], sizeof(skipped[1]));

    char name[24], acpi_why[200];
    if (skipped[0][0] || skipped[1][0])
        ksnprintf(acpi_why, sizeof(acpi_why), "%s%s%s", skipped[0],
                  skipped[0][0] && skipped[1][0] ? "; " : "", skipped[1]);
    else
        ksnprintf(acpi_why, sizeof(acpi_why), "%s",
                  f->acpi_note ? f->acpi_note : "no SPCR or DBG2 table");

    out->cfg = uart_default_config(0);
    for (int i = 0; f->bios && i < UART_PORTS; i++) {
        if (!f->bda[i])
            continue;
        out->source = SERIAL_FROM_BDA;
        out->cfg.port = f->bda[i];
        ksnprintf(out->why, sizeof(out->why),
                  "%s: the BIOS data area's first serial port (no port set up by the loader; "
                  "%s)", port_name(out->cfg.port, name, sizeof(name)), acpi_why);
        return;
    }
    out->source = SERIAL_FROM_DEFAULT;
    ksnprintf(out->why, sizeof(out->why),
              "COM1 (0x3f8): the default (no port set up by the loader; %s; %s)", acpi_why,
              f->bios ? "no serial port in the BIOS data area"
                      : "UEFI firmware: no BIOS data area");
}
