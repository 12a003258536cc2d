// fuzz: drivers/acpi_serial.c drivers/acpi_parse.c drivers/serial_discover.c drivers/uart_config.c kernel/cmdline.c kernel/lib/fmt.c
// fuzz-args: -max_len=4096
/* libFuzzer harness for console discovery: the SPCR and DBG2 parsers,
 * the table lookup through an RSDT/XSDT, and the decision over any
 * facts. The first byte chooses (its low two bits):
 *   0: the rest is an SPCR, parsed as it is
 *   1: the rest is a DBG2
 *   2: the rest is one table, listed by a root table (bit 2: an XSDT
 *      behind a revision 2 RSDP, else an RSDT), its checksum made right
 *      unless bit 3 is set; looked up as SPCR and as DBG2 and parsed
 *   3: the rest fills the decision's facts (command line, UART states,
 *      ACPI descriptions, BIOS data area)
 * Every map() call gets its own heap copy of exactly the bytes asked for,
 * so ASan catches a read past what was mapped.
 * Seeds: tests/fuzz/corpus/serial (the unit-test fixtures, mode 0 and 1). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/acpi_serial.h"
#include "drivers/acpi_tables.h"
#include "drivers/serial_discover.h"
#include "kernel/options.h"

#define FUZZ_NAME "serial"
#include "fuzz.h"

#define MAX_MAPS 64
#define ROOT_PHYS 0x1000u
#define TABLE_PHYS 0x8000u

struct mem {
    const uint8_t *root, *table;
    size_t root_len, table_len;
    void *maps[MAX_MAPS];
    int nmaps;
};

static const void *map(void *ctx, uint64_t phys, uint64_t len)
{
    struct mem *m = ctx;
    const uint8_t *base = NULL;
    size_t blen = 0;
    if (phys >= ROOT_PHYS && phys < ROOT_PHYS + m->root_len)
        base = m->root + (phys - ROOT_PHYS), blen = m->root_len - (phys - ROOT_PHYS);
    else if (phys >= TABLE_PHYS && phys < TABLE_PHYS + m->table_len)
        base = m->table + (phys - TABLE_PHYS), blen = m->table_len - (phys - TABLE_PHYS);
    if (!base || len > blen || m->nmaps == MAX_MAPS)
        return NULL;
    void *copy = malloc(len ? len : 1);
    memcpy(copy, base, len);
    m->maps[m->nmaps++] = copy;
    return copy;
}

static void report(void *ctx, const char *msg)
{
    ASSERT(msg && *msg);
    ++*(int *)ctx;
}

static void fix_sum(uint8_t *p, size_t n, size_t at)
{
    uint8_t s = 0;
    p[at] = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    p[at] = (uint8_t)-s;
}

static void check_serial(const struct acpi_serial *s, bool found, int reports)
{
    ASSERT(found || reports > 0);
    ASSERT(s->table[4] == '\0');
    if (s->usable) {
        ASSERT(s->space == ACPI_GAS_IO && s->address && s->address <= 0xfff8);
        ASSERT(s->subtype == ACPI_UART_16550 || s->subtype == ACPI_UART_16450 ||
               s->subtype == ACPI_UART_16550_GAS);
    }
    ASSERT(s->baud == 0 || (s->baud <= 115200 && 115200 % s->baud == 0));
    char buf[24];
    ASSERT(acpi_uart_subtype_name(s->subtype, buf, sizeof(buf))[0]);
}

static void parse_one(const uint8_t *t, size_t len, bool dbg2)
{
    uint8_t *copy = malloc(len ? len : 1);      /* exactly len bytes */
    memcpy(copy, t, len);
    struct acpi_serial s;
    int reports = 0;
    bool found = dbg2 ? acpi_dbg2_parse(copy, len, &s, report, &reports)
                      : acpi_spcr_parse(copy, len, &s, report, &reports);
    check_serial(&s, found, reports);
    free(copy);
}

static void lookup(const uint8_t *data, size_t size, uint8_t mode)
{
    bool xsdt = mode & 4, fix = !(mode & 8);
    uint8_t *table = malloc(size ? size : 1);
    memcpy(table, data, size);
    if (fix && size >= 36) {
        uint32_t len;
        memcpy(&len, table + 4, 4);
        if (len >= 10 && len <= size)
            fix_sum(table, len, 9);
    }
    uint8_t root[36 + 8] = { 0 };
    memcpy(root, xsdt ? "XSDT" : "RSDT", 4);
    uint32_t root_len = xsdt ? 44 : 40, at = TABLE_PHYS;
    memcpy(root + 4, &root_len, 4);
    memcpy(root + 36, &at, 4);
    fix_sum(root, root_len, 9);
    struct acpi_rsdp r = { .signature = "RSD PTR ", .revision = xsdt ? 2 : 0, .length = 36 };
    if (xsdt)
        r.xsdt_address = ROOT_PHYS;
    else
        r.rsdt_address = ROOT_PHYS;
    fix_sum((uint8_t *)&r, 20, 8);
    fix_sum((uint8_t *)&r, 36, 32);

    struct mem m = { root, table, root_len, size, { 0 }, 0 };
    for (int k = 0; k < 2; k++) {
        uint64_t phys = 0;
        const uint8_t *t = acpi_find_table(&r, sizeof(r), k ? "DBG2" : "SPCR", map, &m, &phys);
        if (!t)
            continue;
        ASSERT(phys == TABLE_PHYS && !memcmp(t, k ? "DBG2" : "SPCR", 4));
        uint32_t len;
        memcpy(&len, t + 4, 4);
        ASSERT(len >= 36 && len <= size);
        parse_one(t, len, k);
    }
    for (int i = 0; i < m.nmaps; i++)
        free(m.maps[i]);
    free(table);
}

static void decide(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    struct serial_facts f;
    memset(&f, 0, sizeof(f));
    for (int i = 0; i < UART_PORTS; i++)
        f.com[i] = uart_default_config(i);
    uint8_t flags = (uint8_t)take(&in, 1);
    f.console_given = flags & 1;
    f.console = (int)(take(&in, 1) % (CONSOLE_NONE + 1));
    f.com_given = (unsigned)take(&in, 1) & 0xf;
    f.bios = flags & 2;
    f.nprobe = (unsigned)take(&in, 1) % (SERIAL_PROBE_MAX + 1);
    for (unsigned i = 0; i < f.nprobe; i++) {
        f.probe[i].port = (uint16_t)take(&in, 2);
        f.probe[i].lcr = (uint8_t)take(&in, 1);
        f.probe[i].mcr = (uint8_t)take(&in, 1);
        f.probe[i].divisor = (uint16_t)take(&in, 2);
    }
    struct acpi_serial *a[2] = { &f.spcr, &f.dbg2 };
    for (int k = 0; k < 2; k++) {
        bool have = flags & (4 << k);
        if (k == 0)
            f.have_spcr = have;
        else
            f.have_dbg2 = have;
        memcpy(a[k]->table, k ? "DBG2" : "SPCR", 5);
        a[k]->subtype = (uint16_t)take(&in, 2);
        a[k]->space = (uint8_t)take(&in, 1);
        a[k]->address = take(&in, 8);
        a[k]->usable = a[k]->space == ACPI_GAS_IO && a[k]->address && a[k]->address <= 0xfff8;
        uint32_t b = (uint32_t)take(&in, 4) % 115201;
        a[k]->baud = b && 115200 % b == 0 ? b : 0;
    }
    f.acpi_note = flags & 16 ? "no SPCR or DBG2 table" : NULL;
    for (int i = 0; i < UART_PORTS; i++)
        f.bda[i] = (uint16_t)take(&in, 2);

    struct serial_choice c;
    serial_choose(&f, &c);
    ASSERT(c.source <= SERIAL_NONE);
    ASSERT(c.why[0] && memchr(c.why, 0, sizeof(c.why)));
    ASSERT(serial_source_name(c.source)[0] != '?');
    if (c.source == SERIAL_NONE) {
        ASSERT(f.console_given && f.console == CONSOLE_NONE);
        return;
    }
    ASSERT(c.cfg.port != 0);
    ASSERT(c.cfg.baud >= 1 && c.cfg.baud <= 115200);
    ASSERT(c.cfg.data_bits >= 5 && c.cfg.data_bits <= 8);
    ASSERT(c.cfg.parity == 'n' || c.cfg.parity == 'o' || c.cfg.parity == 'e');
    ASSERT(c.cfg.stop_bits == 1 || c.cfg.stop_bits == 2);
    if (f.console_given || f.com_given)
        ASSERT(c.source == SERIAL_FROM_OPTIONS);
    if (c.source == SERIAL_FROM_BDA)
        ASSERT(f.bios);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    switch (mode & 3) {
    case 0:
    case 1:
        parse_one(data + 1, size - 1, mode & 1);
        break;
    case 2:
        lookup(data + 1, size - 1, mode);
        break;
    default:
        decide(data + 1, size - 1);
        break;
    }
    return 0;
}
