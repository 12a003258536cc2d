// unit: kernel/loader/acpi_build.c drivers/acpi_parse.c kernel/lib/fmt.c
/* The guest's ACPI tables (kernel/loader/acpi_build.c), read back by
 * Keel's own parser (drivers/acpi_parse.c) as a guest would find them:
 * the RSDP by the BIOS-area search, then the XSDT (or the RSDT), FADT,
 * DSDT and MADT; what the parser does not read (I/O APIC, overrides,
 * NMI, FACS, the event block) is checked byte by byte. */
#include "kernel/loader/acpi_build.h"
#include "drivers/acpi_parse.h"
#include "drivers/acpi_tables.h"
#include "unit.h"

#define AREA_BASE 0xe0000ull
#define AREA_SIZE 0x20000ull            /* 0xe0000-0xfffff, as the search covers */

static uint8_t area[AREA_SIZE];
static struct reports rep;
static struct acpi_info info;
static struct acpi_build_layout lay;

static const void *map(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    if (phys < AREA_BASE || len > AREA_SIZE || phys - AREA_BASE > AREA_SIZE - len)
        return NULL;
    return area + (phys - AREA_BASE);
}

static uint8_t *at(uint64_t gpa)
{
    return area + (gpa - AREA_BASE);
}

static uint64_t rd(uint64_t gpa, unsigned n)
{
    uint64_t v = 0;
    memcpy(&v, at(gpa), n);
    return v;
}

static uint8_t sum(uint64_t gpa, uint64_t n)
{
    uint8_t s = 0;
    for (uint64_t i = 0; i < n; i++)
        s += at(gpa)[i];
    return s;
}

/* What a Linux guest is given (vmx/guest.c): its devices all named. */
static struct acpi_build_config linux_cfg(unsigned cpus)
{
    return (struct acpi_build_config){ .cpus = cpus, .cmos_rtc = true, .hpet = true };
}

static uint64_t build(unsigned cpus, uint64_t base)
{
    struct acpi_build_config cfg = linux_cfg(cpus);
    memset(area, 0xaa, sizeof(area));
    memset(&rep, 0, sizeof(rep));
    memset(&lay, 0, sizeof(lay));
    return acpi_build_tables(at(base), AREA_SIZE - (base - AREA_BASE), base, &cfg, &lay,
                             collect_report, &rep);
}

static int parse(const void *rsdp, size_t len)
{
    memset(&rep, 0, sizeof(rep));
    return acpi_parse(rsdp, len, map, NULL, collect_report, &rep, &info);
}

/* A table's header: signature, length, revision, checksum, Keel's IDs. */
static void check_header(uint64_t gpa, const char *sig, uint32_t len, uint8_t revision)
{
    struct acpi_sdt_header h;
    memcpy(&h, at(gpa), sizeof(h));
    CHECK(!memcmp(h.signature, sig, 4));
    CHECK_EQ(h.length, len);
    CHECK_EQ(h.revision, revision);
    CHECK_EQ(sum(gpa, len), 0);
    CHECK(!memcmp(h.oem_id, "KEEL  ", 6));
    CHECK(!memcmp(h.oem_table_id, "KEELVM  ", 8));
    CHECK_EQ(h.oem_revision, 1);
    CHECK(!memcmp(&h.creator_id, "KEEL", 4));
    CHECK_EQ(h.creator_revision, 1);
}

static void check_gas(uint64_t gpa, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
    CHECK_EQ(at(gpa)[0], space);
    CHECK_EQ(at(gpa)[1], width);
    CHECK_EQ(at(gpa)[2], 0);
    CHECK_EQ(at(gpa)[3], access);
    CHECK_EQ(rd(gpa + 4, 8), addr);
}

/* Everything Keel's parser reads, for `cpus` vCPUs. */
static void check_parsed(unsigned cpus, bool xsdt)
{
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(info.revision, xsdt ? 2 : 0);
    CHECK_STR(info.oem_id, "KEEL  ");
    CHECK_EQ(info.xsdt, xsdt);
    CHECK_EQ(info.root_phys, xsdt ? lay.xsdt : lay.rsdt);
    static const char *sigs[] = { "?", "FACP", "DSDT", "APIC", "HPET" };
    CHECK_EQ(info.ntables, 5);
    for (unsigned i = 0; i < 5 && i < info.ntables; i++) {
        CHECK_STR(info.tables[i].sig, i ? sigs[i] : xsdt ? "XSDT" : "RSDT");
        CHECK(info.tables[i].ok);
    }
    CHECK(info.have_madt);
    CHECK_EQ(info.lapic_phys, 0xfee00000);
    CHECK(info.pcat_compat);
    CHECK_EQ(info.ncpus, cpus);
    for (unsigned i = 0; i < cpus && i < info.ncpus; i++) {
        CHECK_EQ(info.cpus[i].apic_id, i);
        CHECK_EQ(info.cpus[i].uid, i);
        CHECK(info.cpus[i].enabled);
        CHECK(!info.cpus[i].online_capable);
        CHECK(!info.cpus[i].x2apic_entry);
    }
    CHECK(info.have_fadt);
    CHECK(!info.hw_reduced);
    CHECK(info.reset_supported);
    CHECK_EQ(info.reset_reg.space, ACPI_GAS_IO);
    CHECK_EQ(info.reset_reg.address, 0xcf9);
    CHECK_EQ(info.reset_value, 0x06);
    CHECK_EQ(info.pm1a_cnt.space, ACPI_GAS_IO);
    CHECK_EQ(info.pm1a_cnt.address, 0x604);
    CHECK_EQ(info.pm1b_cnt.address, 0);
    CHECK_EQ(info.pm_timer_port, 0x608);
    CHECK(info.pm_timer_32bit);
    CHECK_EQ(info.smi_cmd, 0);
    CHECK_EQ(info.acpi_enable, 0);
    CHECK_EQ(info.dsdt_phys, lay.dsdt);
    CHECK(info.have_s5);
    CHECK_EQ(info.s5_typ_a, 7);
    CHECK_EQ(info.s5_typ_b, 7);
}

TEST(found_by_the_bios_search_and_parsed_back_by_keels_parser)
{
    CHECK_EQ(build(2, AREA_BASE), lay.size);
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(lay.rsdp, 0xe0000);
    CHECK_EQ(acpi_rsdp_scan(0, map, NULL), 0xe0000);
    CHECK_EQ(parse(at(lay.rsdp), 36), 0);
    check_parsed(2, true);
}

TEST(every_field_byte_by_byte)
{
    CHECK_EQ(build(3, AREA_BASE), lay.size);
    /* RSDP: revision 2, both checksums, both roots */
    CHECK(!memcmp(at(lay.rsdp), "RSD PTR ", 8));
    CHECK_EQ(sum(lay.rsdp, 20), 0);
    CHECK_EQ(sum(lay.rsdp, 36), 0);
    CHECK(!memcmp(at(lay.rsdp + 9), "KEEL  ", 6));
    CHECK_EQ(rd(lay.rsdp + 15, 1), 2);
    CHECK_EQ(rd(lay.rsdp + 16, 4), lay.rsdt);
    CHECK_EQ(rd(lay.rsdp + 20, 4), 36);
    CHECK_EQ(rd(lay.rsdp + 24, 8), lay.xsdt);
    CHECK_EQ(rd(lay.rsdp + 33, 3), 0);

    /* RSDT and XSDT: the FADT, the MADT, the HPET's */
    check_header(lay.rsdt, "RSDT", 36 + 12, 1);
    CHECK_EQ(rd(lay.rsdt + 36, 4), lay.fadt);
    CHECK_EQ(rd(lay.rsdt + 40, 4), lay.madt);
    CHECK_EQ(rd(lay.rsdt + 44, 4), lay.hpet);
    check_header(lay.xsdt, "XSDT", 36 + 24, 1);
    CHECK_EQ(rd(lay.xsdt + 36, 8), lay.fadt);
    CHECK_EQ(rd(lay.xsdt + 44, 8), lay.madt);
    CHECK_EQ(rd(lay.xsdt + 52, 8), lay.hpet);

    /* FADT, revision 5 */
    uint64_t f = lay.fadt;
    check_header(f, "FACP", 268, 5);
    CHECK_EQ(rd(f + 36, 4), lay.facs);          /* FIRMWARE_CTRL */
    CHECK_EQ(rd(f + 40, 4), lay.dsdt);          /* DSDT */
    CHECK_EQ(rd(f + 44, 2), 0);                 /* reserved, preferred PM profile */
    CHECK_EQ(rd(f + 46, 2), 9);                 /* SCI_INT */
    CHECK_EQ(rd(f + 48, 8), 0);                 /* SMI_CMD, ACPI_ENABLE/DISABLE, S4BIOS, PSTATE */
    CHECK_EQ(rd(f + 56, 4), 0x600);             /* PM1a_EVT_BLK */
    CHECK_EQ(rd(f + 60, 4), 0);
    CHECK_EQ(rd(f + 64, 4), 0x604);             /* PM1a_CNT_BLK */
    CHECK_EQ(rd(f + 68, 8), 0);                 /* PM1b_CNT, PM2_CNT */
    CHECK_EQ(rd(f + 76, 4), 0x608);             /* PM_TMR_BLK */
    CHECK_EQ(rd(f + 80, 8), 0);                 /* no GPE blocks */
    CHECK_EQ(rd(f + 88, 4), 0x04000204);        /* PM1_EVT 4, PM1_CNT 2, PM2 0, PM_TMR 4 */
    CHECK_EQ(rd(f + 92, 4), 0);                 /* GPE lengths, base, CST_CNT */
    CHECK_EQ(rd(f + 96, 2), 0x0fff);            /* no C2 */
    CHECK_EQ(rd(f + 98, 2), 0x0fff);            /* no C3 */
    CHECK_EQ(rd(f + 100, 8), 0);                /* flush, duty, alarms */
    CHECK_EQ(rd(f + 108, 1), 0x32);             /* century: the RTC's register 0x32 */
    CHECK_EQ(rd(f + 109, 2), 0x05);             /* legacy devices, no VGA; a CMOS RTC; no 8042 */
    CHECK_EQ(rd(f + 111, 1), 0);
    CHECK_EQ(rd(f + 112, 4), 0x5b5);            /* WBINVD C1 PWR_BUTTON SLP_BUTTON RTC_S4 TMR_VAL_EXT RESET */
    check_gas(f + 116, ACPI_GAS_IO, 8, 1, 0xcf9);
    CHECK_EQ(rd(f + 128, 1), 6);
    CHECK_EQ(rd(f + 129, 3), 0);                /* ARM boot arch, minor version */
    CHECK_EQ(rd(f + 132, 8), 0);                /* X_FIRMWARE_CTRL: 0, FIRMWARE_CTRL says it */
    CHECK_EQ(rd(f + 140, 8), lay.dsdt);         /* X_DSDT */
    check_gas(f + 148, ACPI_GAS_IO, 32, 0, 0x600);
    check_gas(f + 160, 0, 0, 0, 0);
    check_gas(f + 172, ACPI_GAS_IO, 16, 0, 0x604);
    check_gas(f + 184, 0, 0, 0, 0);
    check_gas(f + 196, 0, 0, 0, 0);
    check_gas(f + 208, ACPI_GAS_IO, 32, 0, 0x608);
    for (uint64_t g = 220; g < 268; g += 12)    /* GPE0, GPE1, sleep control/status */
        check_gas(f + g, 0, 0, 0, 0);

    /* FACS: 64-aligned, no checksum, version 2 */
    CHECK_EQ(lay.facs % 64, 0);
    CHECK(!memcmp(at(lay.facs), "FACS", 4));
    CHECK_EQ(rd(lay.facs + 4, 4), 64);
    CHECK_EQ(rd(lay.facs + 8, 8), 0);           /* hardware signature, waking vector */
    CHECK_EQ(rd(lay.facs + 16, 8), 0);          /* global lock, flags */
    CHECK_EQ(rd(lay.facs + 24, 8), 0);          /* X waking vector */
    CHECK_EQ(rd(lay.facs + 32, 1), 2);
    for (unsigned i = 33; i < 64; i++)
        CHECK_EQ(at(lay.facs)[i], 0);

    /* DSDT: exactly Name (\_S5, Package (4) { 7, 7, 0, 0 }), then
     * Device (\_SB.RTC) { Name (_HID, EisaId ("PNP0B00")), Name (_CRS,
     * ResourceTemplate () { IO (Decode16, 0x70, 0x70, 1, 2) IRQNoFlags () {8} }) } */
    static const uint8_t aml[] = {
        0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x07, 0x00, 0x00,
        0x5b, 0x82, 0x2b, 0x5c, 0x2e, '_', 'S', 'B', '_', 'R', 'T', 'C', '_',
        0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0b, 0x00,
        0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
        0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, 0x22, 0x00, 0x01, 0x79, 0x00,
    };
    check_header(lay.dsdt, "DSDT", 36 + sizeof(aml), 2);
    CHECK(!memcmp(at(lay.dsdt + 36), aml, sizeof(aml)));

    /* MADT */
    uint64_t m = lay.madt, e = m + 44;
    check_header(m, "APIC", 44 + 3 * 8 + 12 + 2 * 10 + 6, 3);
    CHECK_EQ(rd(m + 36, 4), 0xfee00000);
    CHECK_EQ(rd(m + 40, 4), 1);                 /* PCAT_COMPAT */
    for (unsigned i = 0; i < 3; i++, e += 8) {
        static const uint8_t want[] = { 0, 8 };
        CHECK(!memcmp(at(e), want, 2));
        CHECK_EQ(rd(e + 2, 1), i);              /* UID */
        CHECK_EQ(rd(e + 3, 1), i);              /* APIC ID */
        CHECK_EQ(rd(e + 4, 4), 1);              /* enabled */
    }
    CHECK_EQ(rd(e, 4), 0x0003 << 16 | 12 << 8 | 1);         /* I/O APIC, ID 3 */
    CHECK_EQ(rd(e + 4, 4), 0xfec00000);
    CHECK_EQ(rd(e + 8, 4), 0);                  /* GSI base */
    e += 12;
    CHECK_EQ(rd(e, 4), 0x00000a02);             /* override: ISA IRQ 0 */
    CHECK_EQ(rd(e + 4, 4), 2);                  /* -> GSI 2 */
    CHECK_EQ(rd(e + 8, 2), 0);                  /* conforming */
    e += 10;
    CHECK_EQ(rd(e, 4), 0x09000a02);             /* override: ISA IRQ 9 */
    CHECK_EQ(rd(e + 4, 4), 9);
    CHECK_EQ(rd(e + 8, 2), 0xd);                /* level, active high */
    e += 10;
    CHECK_EQ(rd(e, 4), 0x00ff0604);             /* NMI: every processor, flags 0 */
    CHECK_EQ(rd(e + 4, 2), 0x0100);             /* ... LINT1 */
    CHECK_EQ(e + 6, m + rd(m + 4, 4));          /* and nothing else */

    /* HPET: the ID register's low half (vendor 8086, 64-bit counter,
     * three timers, no legacy route, revision 1), the base in memory */
    check_header(lay.hpet, "HPET", 56, 1);
    CHECK_EQ(rd(lay.hpet + 36, 4), 0x80862201);
    check_gas(lay.hpet + 40, ACPI_GAS_MEMORY, 0, 0, 0xfed00000);
    CHECK_EQ(rd(lay.hpet + 52, 4), 0);          /* number 0, no minimum tick, no protection */
    CHECK_EQ(lay.size, lay.hpet + 56 - lay.rsdp);
}

/* A config without an HPET: no table, two entries in the roots. */
TEST(no_hpet_no_table)
{
    struct acpi_build_config cfg = { .cpus = 2 };
    CHECK(acpi_build_tables(area, AREA_SIZE, AREA_BASE, &cfg, &lay, collect_report, &rep));
    CHECK_EQ(lay.hpet, 0);
    check_header(lay.rsdt, "RSDT", 36 + 8, 1);
    check_header(lay.xsdt, "XSDT", 36 + 16, 1);
    CHECK_EQ(lay.size, lay.madt + 44 + 2 * 8 + 12 + 2 * 10 + 6 - lay.rsdp);
    CHECK_EQ(acpi_build_size(&cfg), lay.size);
}

TEST(the_rsdt_alone_says_the_same_to_an_acpi_1_reader)
{
    build(4, AREA_BASE);
    uint8_t v1[20];
    memcpy(v1, at(lay.rsdp), 20);
    v1[15] = 0;                                 /* revision 0: the RSDT only */
    v1[8] = 0;
    uint8_t s = 0;
    for (int i = 0; i < 20; i++)
        s += v1[i];
    v1[8] = (uint8_t)-s;
    CHECK_EQ(parse(v1, 20), 0);
    check_parsed(4, false);
}

TEST(cmos_rtc_flag)
{
    struct acpi_build_config cfg = { .cpus = 1, .cmos_rtc = true };
    CHECK(acpi_build_tables(area, AREA_SIZE, AREA_BASE, &cfg, &lay, collect_report, &rep));
    CHECK_EQ(rd(lay.fadt + 109, 2), 0x05);
    CHECK_EQ(sum(lay.fadt, 268), 0);
}

static bool apart(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a + alen <= b || b + blen <= a;
}

/* For every vCPU count and a few bases: the size promised, every table
 * inside it and apart, every checksum right, the parser content. */
TEST(property_every_vcpu_count)
{
    static const uint64_t bases[] = { 0xe0000, 0xe0010, 0xe0030, 0xf5000, 0xfff00 - 0x400 };
    for (unsigned n = 1; n <= ACPI_BUILD_CPUS_MAX; n++) {
        for (unsigned b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
            uint64_t base = bases[b];
            uint64_t used = build(n, base);
            CHECK(used && used == lay.size && rep.n == 0);
            struct acpi_build_config cfg = linux_cfg(n);
            CHECK(used <= acpi_build_size(&cfg) + 48);
            if (base % 64 == 0)
                CHECK_EQ(used, acpi_build_size(&cfg));
            CHECK_EQ(lay.rsdp, base);
            CHECK_EQ(acpi_rsdp_scan(0, map, NULL), base);
            CHECK_EQ(lay.facs % 64, 0);
            const uint64_t t[] = { lay.rsdt, lay.xsdt, lay.fadt, lay.dsdt, lay.madt, lay.hpet };
            for (unsigned i = 0; i < 6; i++) {
                uint32_t len = (uint32_t)rd(t[i] + 4, 4);
                CHECK(t[i] % 16 == 0 && t[i] >= base + 36 && t[i] + len <= base + used);
                CHECK_EQ(sum(t[i], len), 0);
                CHECK(apart(t[i], len, lay.facs, 64));
                for (unsigned k = 0; k < i; k++)
                    CHECK(apart(t[i], len, t[k], (uint32_t)rd(t[k] + 4, 4)));
            }
            CHECK_EQ(at(base + used)[0], 0xaa);     /* nothing written past the end */
            CHECK_EQ(parse(at(lay.rsdp), 36), 0);
            check_parsed(n, true);
            uint64_t io = lay.madt + 44 + 8 * n;
            CHECK_EQ(rd(io, 1), 1);
            CHECK_EQ(rd(io + 2, 1), n);             /* I/O APIC ID N */
        }
        if (unit_case_failed) {
            printf("    with %u vCPUs\n", n);
            break;
        }
    }
}

/* The exact size is enough (ASan watches a heap copy); anything wrong
 * is refused with one report and nothing written. */
TEST(refusals_and_exact_size)
{
    struct acpi_build_config cfg = linux_cfg(8);
    uint64_t need = acpi_build_size(&cfg);
    uint8_t *buf = malloc(need);
    memset(&rep, 0, sizeof(rep));
    CHECK_EQ(acpi_build_tables(buf, need, 0xe0000, &cfg, NULL, collect_report, &rep), need);
    CHECK_EQ(rep.n, 0);
    free(buf);

    static const struct { unsigned cpus; uint64_t base, size; const char *msg; } bad[] = {
        { 0, 0xe0000, AREA_SIZE, "ACPI tables: 0 vCPUs; the tables describe 1 to 15" },
        { 16, 0xe0000, AREA_SIZE, "ACPI tables: 16 vCPUs; the tables describe 1 to 15" },
        { 1, 0xe0008, AREA_SIZE, "ACPI tables: base 0xe0008 is not a 16-byte boundary below "
                                 "4 GiB" },
        { 1, 0x100000000ull, AREA_SIZE, "base 0x100000000 is not a 16-byte boundary below 4 GiB" },
        { 1, 0xffffff00ull, AREA_SIZE, "do not fit in the 131072 bytes given below 4 GiB" },
        { 2, 0xe0000, 100, "ACPI tables: " },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg.cpus = bad[i].cpus;
        memset(area, 0xaa, sizeof(area));
        memset(&rep, 0, sizeof(rep));
        CHECK_EQ(acpi_build_tables(area, bad[i].size, bad[i].base, &cfg, &lay, collect_report, &rep),
                 0);
        CHECK_EQ(rep.n, 1);
        CHECK_HAS(rep.msg[0], bad[i].msg);
        CHECK_EQ(area[0], 0xaa);
    }
    char want[120];
    cfg = linux_cfg(2);
    snprintf(want, sizeof(want), "ACPI tables: %llu bytes at 0xe0000 do not fit in the 100 bytes",
             (unsigned long long)acpi_build_size(&cfg));
    CHECK_HAS(rep.msg[0], want);
}
