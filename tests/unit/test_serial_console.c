// unit: drivers/acpi_serial.c drivers/acpi_parse.c drivers/serial_discover.c drivers/uart_config.c kernel/cmdline.c kernel/lib/fmt.c
/* Console discovery: the SPCR and DBG2 parsers against recorded tables
 * (tests/unit/fixtures/acpi/serial, README there) and damaged copies, the
 * table lookup through a fake RSDT/XSDT, and the decision's order:
 * command line, the UART the loader set up, SPCR, DBG2, BIOS data area,
 * COM1. */
#include "drivers/acpi_serial.h"
#include "drivers/acpi_tables.h"
#include "drivers/serial_discover.h"
#include "kernel/options.h"
#include "unit.h"

#define FIXTURES "tests/unit/fixtures/acpi/serial/"

/* A fixture: "0000: 53 50 ..." lines after '#' comments (iasl's "Raw
 * Table Data" form). Returns its length; the bytes in a malloc of exactly
 * that size, so ASan sees a read past the end. */
static size_t load_hex(const char *name, uint8_t **out)
{
    char path[256], line[256];
    uint8_t buf[4096];
    size_t n = 0;
    snprintf(path, sizeof(path), FIXTURES "%s.hex", name);
    FILE *f = fopen(path, "r");
    *out = NULL;
    if (!f) {
        UNIT_FAIL("cannot open %s (run from the repository root)", path);
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        char *p = strchr(line, ':');
        if (line[0] == '#' || !p)
            continue;
        for (p++;;) {
            unsigned v;
            int used;
            if (sscanf(p, " %2x%n", &v, &used) != 1 || n == sizeof(buf))
                break;
            buf[n++] = (uint8_t)v;
            p += used;
        }
    }
    fclose(f);
    *out = malloc(n);
    memcpy(*out, buf, n);
    return n;
}

static void fix_sum(uint8_t *t, size_t len, size_t at)
{
    uint8_t s = 0;
    t[at] = 0;
    for (size_t i = 0; i < len; i++)
        s += t[i];
    t[at] = (uint8_t)-s;
}

/* ------------------------------------------------------------ SPCR, DBG2 */

TEST(spcr_com2_at_115200)
{
    uint8_t *t;
    size_t len = load_hex("spcr-com2-115200", &t);
    struct acpi_serial s;
    struct reports r = { 0 };
    CHECK_EQ(len, 80);
    CHECK(acpi_spcr_parse(t, len, &s, collect_report, &r));
    CHECK_EQ(r.n, 0);
    CHECK_STR(s.table, "SPCR");
    CHECK(s.usable);
    CHECK_EQ(s.subtype, ACPI_UART_16550);
    CHECK_EQ(s.space, ACPI_GAS_IO);
    CHECK_EQ(s.address, 0x2f8);
    CHECK_EQ(s.baud, 115200);
    CHECK_EQ(s.parity, 'n');
    CHECK_EQ(s.stop_bits, 1);
    free(t);
}

TEST(spcr_as_is_and_revision_4_precise_baud)
{
    uint8_t *t;
    size_t len = load_hex("spcr-com2-as-is", &t);
    struct acpi_serial s;
    CHECK(acpi_spcr_parse(t, len, &s, NULL, NULL));
    CHECK(s.usable);
    CHECK_EQ(s.baud, 0);                    /* keep what the firmware set */
    free(t);

    len = load_hex("spcr-rev4-precise", &t);
    CHECK_EQ(len, 90);
    CHECK(acpi_spcr_parse(t, len, &s, NULL, NULL));
    CHECK(s.usable);
    CHECK_EQ(s.subtype, ACPI_UART_16550_GAS);
    CHECK_EQ(s.address, 0x3e8);
    CHECK_EQ(s.baud, 57600);                /* the precise rate over code 7 */
    free(t);
}

TEST(spcr_of_a_pl011_is_read_but_not_usable)
{
    uint8_t *t;
    size_t len = load_hex("spcr-qemu-arm-virt", &t);
    struct acpi_serial s;
    char buf[24];
    CHECK(acpi_spcr_parse(t, len, &s, NULL, NULL));
    CHECK(!s.usable);
    CHECK_EQ(s.subtype, 3);
    CHECK_STR(acpi_uart_subtype_name(s.subtype, buf, sizeof(buf)), "ARM PL011");
    CHECK_EQ(s.space, ACPI_GAS_MEMORY);
    CHECK_EQ(s.address, 0x9000000);
    CHECK_EQ(s.baud, 9600);
    free(t);
}

TEST(spcr_damaged)
{
    uint8_t *t;
    size_t len = load_hex("spcr-com2-115200", &t);
    struct acpi_serial s;
    struct reports r = { 0 };
    CHECK(!acpi_spcr_parse(t, 79, &s, collect_report, &r));
    CHECK_HAS(r.msg[0], "SPCR is 79 bytes, shorter than the 80 of revision 1");
    t[58] = 5;                              /* no such baud code */
    t[59] = 1;                              /* nor parity */
    memset(&r, 0, sizeof(r));
    CHECK(acpi_spcr_parse(t, len, &s, collect_report, &r));
    CHECK_EQ(s.baud, 0);
    CHECK_EQ(r.n, 2);
    CHECK_HAS(r.msg[0], "baud rate code 5 is undefined");
    CHECK_HAS(r.msg[1], "parity 1 is undefined");
    memset(t + 44, 0, 8);                   /* no address */
    CHECK(!acpi_spcr_parse(t, len, &s, NULL, NULL));
    free(t);
}

TEST(dbg2_real_tables)
{
    uint8_t *t;
    size_t len = load_hex("dbg2-surface-laptop-4-amd", &t);
    struct acpi_serial s;
    struct reports r = { 0 };
    CHECK_EQ(len, 102);
    CHECK(acpi_dbg2_parse(t, len, &s, collect_report, &r));
    CHECK_EQ(r.n, 0);
    CHECK(s.usable);
    CHECK_STR(s.table, "DBG2");
    CHECK_EQ(s.address, 0x3f8);
    CHECK_EQ(s.baud, 0);                    /* DBG2 has no speed */
    free(t);

    len = load_hex("dbg2-surface-laptop-3-15", &t);
    CHECK(acpi_dbg2_parse(t, len, &s, NULL, NULL));
    CHECK(!s.usable);
    CHECK_EQ(s.subtype, ACPI_UART_16550_GAS);
    CHECK_EQ(s.space, ACPI_GAS_MEMORY);
    CHECK_EQ(s.address, 0xfedca000);
    free(t);
}

TEST(dbg2_damaged)
{
    uint8_t *t;
    size_t len = load_hex("dbg2-surface-laptop-4-amd", &t);
    struct acpi_serial s;
    struct reports r = { 0 };
    uint8_t saved = t[45];
    t[45] = 0xff;                           /* device length past the end */
    CHECK(!acpi_dbg2_parse(t, len, &s, collect_report, &r));
    CHECK_HAS(r.msg[0], "DBG2 device 0 at offset 44 has length 255");
    t[45] = saved;
    t[36] = 200;                            /* device list past the end */
    memset(&r, 0, sizeof(r));
    CHECK(!acpi_dbg2_parse(t, len, &s, collect_report, &r));
    CHECK_HAS(r.msg[0], "runs past the table's 102 bytes");
    t[36] = 44;
    t[56] = 0x01;                           /* port type 0x8001: not serial */
    memset(&r, 0, sizeof(r));
    CHECK(!acpi_dbg2_parse(t, len, &s, collect_report, &r));
    CHECK_STR(r.msg[0], "DBG2 lists no serial port");
    t[40] = 0xff, t[41] = 0xff, t[42] = 0xff, t[43] = 0xff;    /* 4 billion devices */
    CHECK(!acpi_dbg2_parse(t, len, &s, NULL, NULL));
    CHECK(!acpi_dbg2_parse(t, 43, &s, NULL, NULL));
    free(t);
}

/* ------------------------------------------------------------ table lookup */

struct fake_mem {
    uint64_t phys[4];
    uint8_t *bytes[4];
    size_t len[4];
    int n;
};

static const void *fake_map(void *ctx, uint64_t phys, uint64_t len)
{
    struct fake_mem *m = ctx;
    for (int i = 0; i < m->n; i++)
        if (phys >= m->phys[i] && phys - m->phys[i] <= m->len[i] &&
            len <= m->len[i] - (phys - m->phys[i]))
            return m->bytes[i] + (phys - m->phys[i]);
    return NULL;
}

TEST(find_table_through_rsdt_and_xsdt)
{
    struct fake_mem m = { .n = 0 };
    uint8_t *spcr, *dbg2;
    size_t slen = load_hex("spcr-com2-115200", &spcr);
    size_t dlen = load_hex("dbg2-surface-laptop-4-amd", &dbg2);
    uint8_t root[36 + 16] = "XSDT";
    uint32_t rlen = sizeof(root);
    memcpy(root + 4, &rlen, 4);
    uint64_t at[2] = { 0x20000, 0x30000 };
    memcpy(root + 36, at, 16);
    fix_sum(root, sizeof(root), 9);
    m.phys[0] = 0x10000, m.bytes[0] = root, m.len[0] = sizeof(root);
    m.phys[1] = 0x20000, m.bytes[1] = dbg2, m.len[1] = dlen;
    m.phys[2] = 0x30000, m.bytes[2] = spcr, m.len[2] = slen;
    m.n = 3;
    struct acpi_rsdp r = { .signature = "RSD PTR ", .revision = 2, .length = 36,
                           .xsdt_address = 0x10000 };
    fix_sum((uint8_t *)&r, 20, 8);
    fix_sum((uint8_t *)&r, 36, 32);
    uint64_t phys = 0;
    CHECK(acpi_find_table(&r, sizeof(r), "SPCR", fake_map, &m, &phys) == spcr);
    CHECK_EQ(phys, 0x30000);
    CHECK(acpi_find_table(&r, sizeof(r), "DBG2", fake_map, &m, &phys) == dbg2);
    CHECK(!acpi_find_table(&r, sizeof(r), "HPET", fake_map, &m, &phys));
    spcr[20] ^= 1;                          /* checksum broken: not found */
    CHECK(!acpi_find_table(&r, sizeof(r), "SPCR", fake_map, &m, &phys));
    spcr[20] ^= 1;
    CHECK(!acpi_find_table(&r, 19, "SPCR", fake_map, &m, &phys));       /* bad RSDP */
    free(spcr);
    free(dbg2);
}

/* ------------------------------------------------------------ the decision */

/* GRUB's ns8250 driver leaves 8N1 (LCR 0x03), DTR and RTS (MCR 0x03). */
static struct uart_state grub_left(uint16_t port, uint16_t divisor)
{
    return (struct uart_state){ .port = port, .lcr = 0x03, .mcr = 0x03, .divisor = divisor };
}

static struct uart_state reset_uart(uint16_t port)
{
    return (struct uart_state){ .port = port, .lcr = 0x00, .mcr = 0x00 };
}

static void facts_init(struct serial_facts *f, bool bios)
{
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < UART_PORTS; i++)
        f->com[i] = uart_default_config(i);
    f->bios = bios;
    static const uint16_t std[4] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
    for (int i = 0; i < 4; i++)
        f->probe[f->nprobe++] = (struct uart_state){ .port = std[i], .lcr = 0xff, .mcr = 0xff };
}

TEST(set_up_ports_recognised)
{
    struct uart_state s = grub_left(0x2f8, 1);
    CHECK(uart_state_set_up(&s));
    s = reset_uart(0x3f8);
    CHECK(!uart_state_set_up(&s));
    s = (struct uart_state){ .port = 0x3e8, .lcr = 0xff, .mcr = 0xff, .divisor = 0xffff };
    CHECK(!uart_state_set_up(&s));          /* nothing there: the bus floats */
    s = grub_left(0x3f8, 0);
    CHECK(!uart_state_set_up(&s));
    s = (struct uart_state){ .port = 0x2f8, .lcr = 0x1e, .mcr = 0x0b, .divisor = 12 };
    CHECK(uart_state_set_up(&s));           /* 9600 7E2, OUT2 on too */
    struct uart_config c = uart_state_config(&s);
    CHECK_EQ(c.port, 0x2f8);
    CHECK_EQ(c.baud, 9600);
    CHECK_EQ(c.data_bits, 7);
    CHECK_EQ(c.parity, 'e');
    CHECK_EQ(c.stop_bits, 2);
}

TEST(command_line_wins)
{
    struct serial_facts f;
    struct serial_choice c;
    facts_init(&f, true);
    f.probe[1] = grub_left(0x2f8, 1);
    f.console_given = true;
    f.console = 2;
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_OPTIONS);
    CHECK_EQ(c.cfg.port, 0x3e8);
    CHECK_STR(c.why, "COM3 (0x3e8): console=com3 on the command line");

    f.console = CONSOLE_NONE;
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_NONE);

    f.console_given = false;
    f.com_given = 1u << 3;                  /* com4= alone */
    f.com[3].baud = 9600;
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_OPTIONS);
    CHECK_EQ(c.cfg.port, 0x2e8);
    CHECK_EQ(c.cfg.baud, 9600);
    CHECK_STR(c.why, "COM4 (0x2e8): com4= on the command line");
}

TEST(the_port_grub_used)
{
    struct serial_facts f;
    struct serial_choice c;
    facts_init(&f, true);
    f.probe[0] = reset_uart(0x3f8);
    f.probe[1] = grub_left(0x2f8, 2);       /* GRUB on COM2 at 57600 */
    f.have_spcr = true;                     /* behind the loader's port */
    f.spcr = (struct acpi_serial){ .table = "SPCR", .usable = true, .space = ACPI_GAS_IO,
                                   .address = 0x3f8, .baud = 115200 };
    f.bda[0] = 0x3f8;
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_LOADER);
    CHECK_EQ(c.cfg.port, 0x2f8);
    CHECK_EQ(c.cfg.baud, 57600);
    CHECK_STR(c.why, "COM2 (0x2f8) at 57600 8N1: the port the loader set up and left on (DTR "
                     "and RTS on; Multiboot2 has no tag that names it)");
}

TEST(several_set_up_the_one_acpi_names)
{
    struct serial_facts f;
    struct serial_choice c;
    facts_init(&f, false);
    f.probe[0] = grub_left(0x3f8, 1);       /* firmware console */
    f.probe[1] = grub_left(0x2f8, 1);
    serial_choose(&f, &c);
    CHECK_EQ(c.cfg.port, 0x3f8);            /* the first, in COM order */
    CHECK_HAS(c.why, "others were set up too");
    f.have_dbg2 = true;
    f.dbg2 = (struct acpi_serial){ .table = "DBG2", .usable = true, .space = ACPI_GAS_IO,
                                   .address = 0x2f8 };
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_LOADER);
    CHECK_EQ(c.cfg.port, 0x2f8);
}

TEST(spcr_then_dbg2)
{
    struct serial_facts f;
    struct serial_choice c;
    facts_init(&f, true);
    f.bda[0] = 0x3f8;
    f.have_spcr = true;
    f.spcr = (struct acpi_serial){ .table = "SPCR", .usable = true, .space = ACPI_GAS_IO,
                                   .address = 0x2f8, .baud = 19200 };
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_SPCR);
    CHECK_EQ(c.cfg.port, 0x2f8);
    CHECK_EQ(c.cfg.baud, 19200);
    CHECK_STR(c.why, "COM2 (0x2f8), speed 19200 as the table says: the ACPI SPCR table names "
                     "it (16550)");

    /* "As is": the divisor the firmware left, when the port is set up but
     * not with DTR and RTS (so the loader step passed it by)... */
    f.spcr.baud = 0;
    f.probe[1] = (struct uart_state){ .port = 0x2f8, .lcr = 0x03, .mcr = 0x00, .divisor = 6 };
    serial_choose(&f, &c);
    CHECK_EQ(c.cfg.baud, 115200);           /* not set up by the rule: 115200 */
    CHECK_HAS(c.why, "115200 (the table says 'as is', the port is not set up)");

    /* An SPCR Keel cannot drive: DBG2 next, and the SPCR is named. */
    f.spcr = (struct acpi_serial){ .table = "SPCR", .usable = false, .subtype = 3,
                                   .space = ACPI_GAS_MEMORY, .address = 0x9000000 };
    f.have_dbg2 = true;
    f.dbg2 = (struct acpi_serial){ .table = "DBG2", .usable = true, .space = ACPI_GAS_IO,
                                   .address = 0x3e8 };
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_DBG2);
    CHECK_EQ(c.cfg.port, 0x3e8);
    CHECK_EQ(c.cfg.baud, 115200);

    f.dbg2.usable = false;
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_BDA);
    CHECK_STR(c.why, "COM1 (0x3f8): the BIOS data area's first serial port (no port set up "
                     "by the loader; SPCR: ARM PL011 at memory 0x9000000, not a UART Keel can "
                     "drive; DBG2: 16550 at I/O port 0x3e8, not a UART Keel can drive)");
}

TEST(bios_data_area_then_com1)
{
    struct serial_facts f;
    struct serial_choice c;
    facts_init(&f, true);
    f.acpi_note = "no SPCR or DBG2 table";
    f.bda[0] = 0x2f8;                       /* only COM2 on this board */
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_BDA);
    CHECK_EQ(c.cfg.port, 0x2f8);
    CHECK_EQ(c.cfg.baud, 115200);
    CHECK_STR(c.why, "COM2 (0x2f8): the BIOS data area's first serial port (no port set up by "
                     "the loader; no SPCR or DBG2 table)");

    f.bda[0] = 0;
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_DEFAULT);
    CHECK_EQ(c.cfg.port, 0x3f8);
    CHECK_HAS(c.why, "no serial port in the BIOS data area");

    facts_init(&f, false);                  /* UEFI: the area is not read */
    f.bda[0] = 0x2f8;
    serial_choose(&f, &c);
    CHECK_EQ(c.source, SERIAL_FROM_DEFAULT);
    CHECK_STR(c.why, "COM1 (0x3f8): the default (no port set up by the loader; no SPCR or DBG2 "
                     "table; UEFI firmware: no BIOS data area)");
}
