// unit: drivers/acpi_parse.c kernel/lib/fmt.c
/* The pure ACPI parser against real tables dumped from QEMU (SeaBIOS),
 * QEMU+OVMF and Bochs 2.7, against damaged copies of them, and against
 * hand-made AML and low memory.
 *
 * tests/unit/fixtures/acpi/<set>/SIG@0xPHYS.bin holds one table's bytes at
 * that physical address; RSDP@0x0.bin is the RSDP itself, handed to
 * acpi_parse() directly. Tests run from the repository root. */
#include <dirent.h>
#include <stdbool.h>

#include "drivers/acpi_parse.h"
#include "unit.h"

/* ------------------------------------------------------------ fake memory */

#define FIXTURES  "tests/unit/fixtures/acpi/"
#define MAX_BLOBS 16
#define NOWHERE   0x5000000u    /* a physical address no fixture covers */
#define MOVED     0x100000u     /* where a rebuilt (longer) table is put */

/* One range of physical memory. Each lives in its own malloc of exactly
 * `len` bytes, so ASan catches any read past a table's end. */
struct blob {
    uint64_t phys;
    uint8_t *bytes;
    size_t len;
};

struct mem {
    struct blob blob[MAX_BLOBS];
    int n;
    uint8_t *rsdp;              /* not part of memory: passed to acpi_parse() */
    size_t rsdp_len;
};

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void wr64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static uint8_t *dup_bytes(const void *bytes, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (bytes && len)
        memcpy(p, bytes, len);
    else
        memset(p, 0, len ? len : 1);
    return p;
}

/* Adds a range of memory holding a copy of `bytes` (zeros when NULL). */
static struct blob *mem_add(struct mem *m, uint64_t phys, const void *bytes, size_t len)
{
    if (m->n == MAX_BLOBS) {
        fprintf(stderr, "test_acpi: more than %d memory ranges\n", MAX_BLOBS);
        exit(2);
    }
    struct blob *b = &m->blob[m->n++];
    b->phys = phys;
    b->bytes = dup_bytes(bytes, len);
    b->len = len;
    return b;
}

static void mem_free(struct mem *m)
{
    for (int i = 0; i < m->n; i++)
        free(m->blob[i].bytes);
    free(m->rsdp);
    memset(m, 0, sizeof(*m));
}

/* Loads every SIG@0xPHYS.bin of a fixture set. */
static bool mem_load(struct mem *m, const char *set)
{
    char dir[256], path[512];
    memset(m, 0, sizeof(*m));
    snprintf(dir, sizeof(dir), FIXTURES "%s", set);
    DIR *d = opendir(dir);
    if (!d) {
        UNIT_FAIL("cannot open %s (run from the repository root)", dir);
        return false;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        char sig[5];
        uint64_t phys;
        size_t nlen = strlen(de->d_name);
        if (nlen < 4 || strcmp(de->d_name + nlen - 4, ".bin"))
            continue;
        if (sscanf(de->d_name, "%4[^@]@0x%" SCNx64, sig, &phys) != 2) {
            UNIT_FAIL("fixture name %s/%s is not SIG@0xPHYS.bin", dir, de->d_name);
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        uint8_t buf[65536];
        size_t len = f ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f)
            fclose(f);
        if (!len || len == sizeof(buf)) {
            UNIT_FAIL("cannot read %s", path);
            continue;
        }
        if (!strcmp(sig, "RSDP")) {
            m->rsdp = dup_bytes(buf, len);
            m->rsdp_len = len;
        } else {
            mem_add(m, phys, buf, len);
        }
    }
    closedir(d);
    if (!m->rsdp || !m->n) {
        UNIT_FAIL("%s has no RSDP or no tables", dir);
        mem_free(m);
        return false;
    }
    return true;
}

/* The tests' acpi_map_fn: [phys, phys + len) must lie inside one range. */
static const void *mem_map(void *ctx, uint64_t phys, uint64_t len)
{
    struct mem *m = ctx;
    for (int i = 0; i < m->n; i++) {
        struct blob *b = &m->blob[i];
        if (phys >= b->phys && len <= b->len && phys - b->phys <= b->len - len)
            return b->bytes + (phys - b->phys);
    }
    return NULL;
}

/* The table with this signature (the first, if a test added another). */
static struct blob *mem_table(struct mem *m, const char *sig)
{
    for (int i = 0; i < m->n; i++)
        if (m->blob[i].len >= 4 && !memcmp(m->blob[i].bytes, sig, 4))
            return &m->blob[i];
    UNIT_FAIL("no %s table in the fixture", sig);
    exit(2);
}

/* Makes a table's bytes sum to zero again over its header's length (as far
 * as the bytes go: a test may claim more than there is). */
static void fix_checksum(struct blob *b)
{
    size_t len = rd32(b->bytes + 4);
    if (len > b->len)
        len = b->len;
    uint8_t sum = 0;
    b->bytes[9] = 0;
    for (size_t i = 0; i < len; i++)
        sum += b->bytes[i];
    b->bytes[9] = (uint8_t)-sum;
}

/* The same for the RSDP: checksum at 8 over 20 bytes, extended checksum at
 * 32 over its length for revision 2. */
static void fix_rsdp(struct mem *m)
{
    uint8_t *r = m->rsdp, sum = 0;
    r[8] = 0;
    for (int i = 0; i < 20; i++)
        sum += r[i];
    r[8] = (uint8_t)-sum;
    if (r[15] >= 2 && m->rsdp_len >= 36) {
        sum = 0;
        r[32] = 0;
        for (int i = 0; i < 36; i++)
            sum += r[i];
        r[32] = (uint8_t)-sum;
    }
}

/* Sets a table's header length and re-fixes its checksum. */
static void set_length(struct blob *b, uint32_t len)
{
    wr32(b->bytes + 4, len);
    fix_checksum(b);
}

/* Points the RSDT/XSDT entries holding `from` at `to`. */
static void repoint(struct mem *m, uint64_t from, uint64_t to)
{
    bool x = m->rsdp[15] >= 2;
    struct blob *root = mem_table(m, x ? "XSDT" : "RSDT");
    uint32_t esize = x ? 8 : 4;
    for (uint32_t off = 36; off + esize <= rd32(root->bytes + 4); off += esize) {
        uint64_t v = 0;
        memcpy(&v, root->bytes + off, esize);
        if (v == from) {
            if (x)
                wr64(root->bytes + off, to);
            else
                wr32(root->bytes + off, (uint32_t)to);
        }
    }
    fix_checksum(root);
}

/* Rebuilds the MADT with `elen` bytes inserted at offset `at`, at MOVED,
 * and points the root table at it. The original stays, unreferenced. */
static struct blob *madt_insert(struct mem *m, uint32_t at, const void *entry, uint32_t elen)
{
    struct blob *old = mem_table(m, "APIC");
    uint64_t old_phys = old->phys;
    size_t len = old->len + elen;
    uint8_t *buf = malloc(len);
    memcpy(buf, old->bytes, at);
    memcpy(buf + at, entry, elen);
    memcpy(buf + at + elen, old->bytes + at, old->len - at);
    struct blob *b = mem_add(m, MOVED, buf, len);
    free(buf);
    set_length(b, (uint32_t)len);
    repoint(m, old_phys, MOVED);
    return b;
}

/* ------------------------------------------------------------ parsing */

static struct acpi_info info;
static struct reports rep;

static int parse(struct mem *m)
{
    memset(&rep, 0, sizeof(rep));
    return acpi_parse(m->rsdp, m->rsdp_len, mem_map, m, collect_report, &rep, &info);
}

/* All reports, joined: what CHECK_HAS searches, and shows when it fails. */
static const char *reports_text(void)
{
    static char text[sizeof(rep.msg) + 32 * 3];
    size_t len = 0;
    text[0] = '\0';
    for (int i = 0; i < rep.n && i < 32; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", i ? " | " : "",
                                rep.msg[i]);
    return text;
}

/* The CPU with this APIC id, or NULL. */
static const struct acpi_cpu *cpu_by_id(uint32_t apic_id)
{
    for (uint32_t i = 0; i < info.ncpus; i++)
        if (info.cpus[i].apic_id == apic_id)
            return &info.cpus[i];
    return NULL;
}

/* The four enabled xAPIC CPUs every fixture has (APIC id = UID = 0..3). */
static void check_four_cpus(void)
{
    CHECK(info.have_madt);
    CHECK_EQ(info.ncpus, 4);
    for (uint32_t i = 0; i < 4 && i < info.ncpus; i++) {
        CHECK_EQ(info.cpus[i].apic_id, i);
        CHECK_EQ(info.cpus[i].uid, i);
        CHECK(info.cpus[i].enabled);
        CHECK(!info.cpus[i].online_capable);
        CHECK(!info.cpus[i].x2apic_entry);
    }
}

/* The index of the table recorded at `phys` in info.tables, or -1. */
static int table_at(uint64_t phys)
{
    for (uint32_t i = 0; i < info.ntables && i < ACPI_MAX_TABLES; i++)
        if (info.tables[i].phys == phys)
            return (int)i;
    return -1;
}

/* ------------------------------------------------------------ the fixtures as dumped */

struct expect {
    const char *set;
    uint8_t revision;
    bool xsdt;
    uint64_t root_phys;
    uint16_t pm_timer_port;
    uint64_t pm1a_cnt;
    uint64_t dsdt_phys;
    /* In the order the parser meets them: root, then its entries, with
     * the DSDT right after the FADT that points at it. */
    const char *tables[8];
};

static void check_clean_parse(const struct expect *e)
{
    struct mem m;
    if (!mem_load(&m, e->set))
        return;
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 0);
    CHECK_STR(reports_text(), "");

    CHECK_EQ(info.revision, e->revision);
    CHECK_EQ(info.xsdt, e->xsdt);
    CHECK_EQ(info.root_phys, e->root_phys);
    CHECK_STR(info.oem_id, "BOCHS ");

    check_four_cpus();
    CHECK_EQ(info.lapic_phys, 0xfee00000);
    CHECK(info.pcat_compat);

    /* The FADTs are 116-byte ACPI 1.0 ones: no reset register, no X_
     * fields, 24-bit PM timer (flag bit 8 clear in all three). */
    CHECK(info.have_fadt);
    CHECK(!info.hw_reduced);
    CHECK_EQ(info.pm_timer_port, e->pm_timer_port);
    CHECK(!info.pm_timer_32bit);
    CHECK_EQ(info.pm1a_cnt.space, 1 /* ACPI_GAS_IO */);
    CHECK_EQ(info.pm1a_cnt.address, e->pm1a_cnt);
    CHECK_EQ(info.pm1b_cnt.address, 0);
    CHECK_EQ(info.smi_cmd, 0xb2);
    CHECK_EQ(info.acpi_enable, 0xf1);
    CHECK(!info.reset_supported);
    CHECK_EQ(info.reset_reg.address, 0);
    CHECK_EQ(info.dsdt_phys, e->dsdt_phys);

    /* All three DSDTs hold Name(_S5, Package(4) { Zero, Zero, Zero, Zero }). */
    CHECK(info.have_s5);
    CHECK_EQ(info.s5_typ_a, 0);
    CHECK_EQ(info.s5_typ_b, 0);

    uint32_t n = 0;
    while (e->tables[n])
        n++;
    CHECK_EQ(info.ntables, n);
    for (uint32_t i = 0; i < n && i < info.ntables; i++) {
        CHECK_STR(info.tables[i].sig, e->tables[i]);
        CHECK(info.tables[i].ok);
        /* ...and it is the fixture file of that name, whole. */
        const void *bytes = mem_map(&m, info.tables[i].phys, info.tables[i].len);
        CHECK(bytes && !memcmp(bytes, e->tables[i], 4));
        CHECK_EQ(info.tables[i].len, mem_table(&m, e->tables[i])->len);
        CHECK_EQ(info.tables[i].phys, mem_table(&m, e->tables[i])->phys);
    }
    mem_free(&m);
}

TEST(qemu_bios_tables_parse_cleanly)
{
    static const struct expect e = {
        "qemu-bios", 0, false, 0xffe1bfb, 0x608, 0x604, 0xffe0040,
        { "RSDT", "FACP", "DSDT", "APIC", "HPET", "WAET", NULL },
    };
    check_clean_parse(&e);
}

TEST(qemu_uefi_tables_parse_cleanly)
{
    static const struct expect e = {
        "qemu-uefi", 2, true, 0xfb7d0e8, 0xb008, 0xb004, 0xfb7b000,
        { "XSDT", "FACP", "DSDT", "APIC", "HPET", "WAET", NULL },
    };
    check_clean_parse(&e);
}

TEST(bochs_tables_parse_cleanly)
{
    static const struct expect e = {
        "bochs", 0, false, 0xfff0000, 0xb008, 0xb004, 0xfff0100,
        { "RSDT", "FACP", "DSDT", "APIC", "SSDT", "HPET", NULL },
    };
    check_clean_parse(&e);
    CHECK_EQ(info.tables[4].phys, 0xfff0f38);   /* the SSDT is listed, as is */
    CHECK_EQ(info.tables[4].len, 94);
}

/* ------------------------------------------------------------ RSDP */

TEST(rsdp_bad_checksum_rejected)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    m.rsdp[8]++;
    CHECK_EQ(parse(&m), -1);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "RSDP: checksum is wrong");
    mem_free(&m);
}

TEST(rsdp_bad_signature_rejected)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    m.rsdp[0] = 'r';
    fix_rsdp(&m);                               /* only the signature is wrong */
    CHECK_EQ(parse(&m), -1);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "RSDP: no 'RSD PTR ' signature");
    mem_free(&m);
}

TEST(rsdp_v2_bad_extended_checksum_rejected)
{
    struct mem m;
    if (!mem_load(&m, "qemu-uefi"))
        return;
    m.rsdp[32]++;                               /* outside the first 20 bytes */
    CHECK_EQ(parse(&m), -1);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "RSDP: extended checksum is wrong");
    mem_free(&m);
}

TEST(rsdp_v2_impossible_length_rejected)
{
    struct mem m;
    if (!mem_load(&m, "qemu-uefi"))
        return;
    wr32(m.rsdp + 20, 20);                      /* shorter than a v2 RSDP */
    fix_rsdp(&m);
    CHECK_EQ(parse(&m), -1);
    CHECK_HAS(reports_text(), "RSDP: revision 2 with length 20, 36 bytes available");
    mem_free(&m);
}

/* acpi_rsdp_valid() must not read beyond `len`: the copies are exactly
 * `len` bytes, so ASan would stop an over-read. */
static bool rsdp_valid_in(const uint8_t *rsdp, size_t len)
{
    uint8_t *p = dup_bytes(rsdp, len);
    memset(&rep, 0, sizeof(rep));
    bool ok = acpi_rsdp_valid(p, len, collect_report, &rep);
    free(p);
    return ok;
}

TEST(rsdp_valid_needs_enough_bytes)
{
    struct mem v0, v2;
    if (!mem_load(&v0, "qemu-bios"))
        return;
    if (!mem_load(&v2, "qemu-uefi")) {
        mem_free(&v0);
        return;
    }
    CHECK(rsdp_valid_in(v0.rsdp, 20));
    CHECK_EQ(rep.n, 0);
    CHECK(!rsdp_valid_in(v0.rsdp, 19));
    CHECK_EQ(rep.n, 1);
    CHECK(!rsdp_valid_in(v0.rsdp, 0));
    CHECK(!rsdp_valid_in(v2.rsdp, 20));        /* revision 2 needs all 36 */
    CHECK_HAS(reports_text(), "revision 2 with length 0, 20 bytes available");
    CHECK(!rsdp_valid_in(v2.rsdp, 35));
    CHECK(rsdp_valid_in(v2.rsdp, 36));
    CHECK(!acpi_rsdp_valid(v0.rsdp, 19, NULL, NULL));  /* no report function: fine */
    mem_free(&v0);
    mem_free(&v2);
}

/* ------------------------------------------------------------ root table */

TEST(root_entry_without_table_skipped)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    struct blob *rsdt = mem_table(&m, "RSDT");
    wr32(rsdt->bytes + 36 + 2 * 4, NOWHERE);    /* was the HPET */
    wr32(rsdt->bytes + 36 + 3 * 4, 0);          /* was the WAET: a null entry */
    fix_checksum(rsdt);
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 1);                         /* the null entry is not reported */
    CHECK_HAS(reports_text(), "a table at 0x5000000 cannot be read: skipped");
    CHECK_EQ(info.ntables, 4);                  /* RSDT, FACP, DSDT, APIC */
    CHECK_EQ(table_at(NOWHERE), -1);
    check_four_cpus();
    CHECK(info.have_fadt);
    CHECK(info.have_s5);
    mem_free(&m);
}

TEST(root_table_unreadable_fails)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    wr32(m.rsdp + 16, NOWHERE);
    fix_rsdp(&m);
    CHECK_EQ(parse(&m), -1);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "RSDT table at 0x5000000 cannot be read");
    mem_free(&m);

    if (!mem_load(&m, "qemu-uefi"))
        return;
    wr64(m.rsdp + 24, NOWHERE);
    fix_rsdp(&m);
    CHECK_EQ(parse(&m), -1);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "XSDT table at 0x5000000 cannot be read");
    mem_free(&m);
}

TEST(rsdp_v2_without_xsdt_uses_rsdt)
{
    struct mem m;
    if (!mem_load(&m, "qemu-uefi"))
        return;
    wr64(m.rsdp + 24, 0);       /* the RSDT it then names was not dumped */
    fix_rsdp(&m);
    CHECK_EQ(parse(&m), -1);
    CHECK(!info.xsdt);
    CHECK_EQ(info.root_phys, 0xfb7d074);
    CHECK_HAS(reports_text(), "RSDT table at 0xfb7d074 cannot be read");
    mem_free(&m);
}

TEST(root_table_damaged_fails)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    mem_table(&m, "RSDT")->bytes[20]++;         /* OEM table id: checksum now wrong */
    CHECK_EQ(parse(&m), -1);
    CHECK_HAS(reports_text(), "RSDT at 0xffe1bfb has a wrong checksum: skipped");
    mem_free(&m);

    if (!mem_load(&m, "qemu-bios"))
        return;
    wr32(m.rsdp + 16, 0xffe1a97);               /* the FADT's address */
    fix_rsdp(&m);
    CHECK_EQ(parse(&m), -1);
    CHECK_HAS(reports_text(), "table at 0xffe1a97 should be RSDT but is 'FACP': skipped");
    mem_free(&m);
}

/* ------------------------------------------------------------ FADT and DSDT */

TEST(fadt_bad_checksum_skipped)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    mem_table(&m, "FACP")->bytes[9]++;
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[0], "FACP at 0xffe1a97 has a wrong checksum: skipped");
    CHECK_HAS(rep.msg[1], "no usable FADT");
    CHECK(!info.have_fadt);
    CHECK_EQ(info.pm_timer_port, 0);
    CHECK(!info.have_s5);
    check_four_cpus();                          /* the MADT after it still counts */
    CHECK_EQ(info.ntables, 5);                  /* no DSDT: only the FADT leads there */
    int i = table_at(0xffe1a97);
    CHECK(i >= 0 && !strcmp(info.tables[i].sig, "FACP") && !info.tables[i].ok);
    mem_free(&m);
}

TEST(dsdt_without_s5_reported)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    struct blob *dsdt = mem_table(&m, "DSDT");
    uint8_t *s5 = NULL;
    for (size_t i = 0; !s5 && i + 4 <= dsdt->len; i++)
        if (!memcmp(dsdt->bytes + i, "_S5_", 4))
            s5 = dsdt->bytes + i;
    CHECK(s5);
    if (!s5) {
        mem_free(&m);
        return;
    }
    s5[2] = '6';                                /* Name(_S6, ...) */
    fix_checksum(dsdt);
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "DSDT has no \\_S5 package: no ACPI power-off");
    CHECK(!info.have_s5);
    CHECK(info.have_fadt);
    CHECK_EQ(info.pm_timer_port, 0x608);
    mem_free(&m);
}

TEST(dsdt_unreadable_skipped)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    struct blob *fadt = mem_table(&m, "FACP");
    wr32(fadt->bytes + 40, NOWHERE);
    fix_checksum(fadt);
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "DSDT table at 0x5000000 cannot be read: skipped");
    CHECK(info.have_fadt);                      /* the rest of the FADT is used */
    CHECK_EQ(info.pm_timer_port, 0x608);
    CHECK_EQ(info.dsdt_phys, NOWHERE);
    CHECK(!info.have_s5);
    mem_free(&m);
}

/* ------------------------------------------------------------ MADT: the table */

/* qemu-bios MADT (0xffe1b0b, 144 bytes): 44-byte header, local APICs at
 * 44, 52, 60 and 68, I/O APIC at 76, five overrides at 88..128, a local
 * APIC NMI at 138. */
#define BIOS_MADT 0xffe1b0b

TEST(madt_longer_than_memory_skipped)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    set_length(mem_table(&m, "APIC"), 200);     /* 56 bytes more than exist */
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[0], "APIC at 0xffe1b0b (200 bytes) cannot be read: skipped");
    CHECK_HAS(rep.msg[1], "no usable MADT: only the boot CPU will run");
    CHECK(!info.have_madt);
    CHECK_EQ(info.ncpus, 0);
    CHECK_EQ(info.lapic_phys, 0);
    CHECK(info.have_fadt);
    mem_free(&m);
}

TEST(madt_shorter_than_header_skipped)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    set_length(mem_table(&m, "APIC"), 40);      /* a whole SDT header, no more */
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[0], "APIC (MADT) is 40 bytes, shorter than its 44-byte header: skipped");
    CHECK_HAS(rep.msg[1], "no usable MADT");
    CHECK(!info.have_madt);
    CHECK_EQ(info.ncpus, 0);
    mem_free(&m);

    if (!mem_load(&m, "qemu-bios"))
        return;
    set_length(mem_table(&m, "APIC"), 20);      /* not even an SDT header */
    CHECK_EQ(parse(&m), 0);
    CHECK_HAS(reports_text(), "APIC at 0xffe1b0b has impossible length 20: skipped");
    CHECK(!info.have_madt);
    mem_free(&m);
}

/* ------------------------------------------------------------ MADT: entries */

TEST(madt_entry_past_end_stops_walk)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    struct blob *madt = mem_table(&m, "APIC");
    madt->bytes[138 + 1] = 7;                   /* the last entry, one byte too long */
    fix_checksum(madt);
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "MADT entry at offset 138 (type 4, length 7) runs past the "
                              "table's 144 bytes: rest of the MADT ignored");
    check_four_cpus();                          /* everything before it is kept */
    CHECK_EQ(info.lapic_phys, 0xfee00000);
    mem_free(&m);

    /* In the middle of the CPUs: the first two are kept. */
    if (!mem_load(&m, "qemu-bios"))
        return;
    madt = mem_table(&m, "APIC");
    madt->bytes[60 + 1] = 200;
    fix_checksum(madt);
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "offset 60 (type 0, length 200) runs past the table");
    CHECK(info.have_madt);
    CHECK_EQ(info.ncpus, 2);
    CHECK_EQ(info.cpus[0].apic_id, 0);
    CHECK_EQ(info.cpus[1].apic_id, 1);
    mem_free(&m);
}

TEST(madt_entry_shorter_than_2_stops_walk)
{
    /* Length 0 would make the walk spin forever: it must stop. */
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    struct blob *madt = mem_table(&m, "APIC");
    madt->bytes[60 + 1] = 0;
    fix_checksum(madt);
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "offset 60 (type 0, length 0) runs past the table");
    CHECK_EQ(info.ncpus, 2);
    mem_free(&m);

    /* A single stray byte at the end: no room for a type and a length. */
    if (!mem_load(&m, "qemu-bios"))
        return;
    static const uint8_t stray[] = { 0x00 };
    madt_insert(&m, 144, stray, sizeof(stray));
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(reports_text(), "offset 144 (type 0, length 0) runs past the table's 145 bytes");
    check_four_cpus();
    mem_free(&m);
}

TEST(madt_unknown_entry_types_skipped)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    static const uint8_t unknown[] = { 0x7f, 6, 0xaa, 0xbb, 0xcc, 0xdd };
    madt_insert(&m, 44, unknown, sizeof(unknown));  /* before the CPUs */
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 0);
    CHECK_STR(reports_text(), "");
    check_four_cpus();
    CHECK_EQ(info.lapic_phys, 0xfee00000);
    int i = table_at(MOVED);                    /* the rebuilt copy was the one read */
    CHECK(i >= 0 && info.tables[i].len == 150 && info.tables[i].ok);
    CHECK_EQ(table_at(BIOS_MADT), -1);
    mem_free(&m);
}

TEST(madt_short_cpu_entries_ignored)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    static const uint8_t shorts[] = {
        0, 6, 7, 7, 1, 0,                       /* local APIC: 8 bytes needed */
        9, 12, 0, 0, 0x2c, 1, 0, 0, 1, 0, 0, 0, /* local x2APIC: 16 needed */
    };
    madt_insert(&m, 44, shorts, sizeof(shorts));
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[0], "MADT entry type 0 at offset 44 is 6 bytes, too short: ignored");
    CHECK_HAS(rep.msg[1], "MADT entry type 9 at offset 50 is 12 bytes, too short: ignored");
    check_four_cpus();                          /* the walk went on after them */
    CHECK(!cpu_by_id(7));
    CHECK(!cpu_by_id(300));
    mem_free(&m);
}

TEST(madt_disabled_and_online_capable_cpus)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    struct blob *madt = mem_table(&m, "APIC");
    madt->bytes[52 + 4] = 3;                    /* CPU 1: enabled and online-capable */
    madt->bytes[60 + 2] = 0x22;                 /* CPU 2: UID 0x22 (not its APIC id), */
    madt->bytes[60 + 4] = 2;                    /* online-capable only */
    madt->bytes[68 + 4] = 0;                    /* CPU 3: disabled for good */
    fix_checksum(madt);
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(info.ncpus, 3);
    CHECK(!cpu_by_id(3));
    const struct acpi_cpu *c1 = cpu_by_id(1), *c2 = cpu_by_id(2);
    CHECK(c1 && c1->enabled && !c1->online_capable);
    CHECK(c2 && !c2->enabled && c2->online_capable && c2->uid == 0x22);
    mem_free(&m);
}

/* APIC id 0xff is the xAPIC broadcast address: an entry claiming it is
 * not a CPU Keel could start. */
TEST(madt_broadcast_apic_id_not_a_cpu)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    struct blob *madt = mem_table(&m, "APIC");
    madt->bytes[68 + 3] = 0xff;                 /* CPU 3 claims APIC id 0xff */
    fix_checksum(madt);
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(info.ncpus, 3);
    CHECK(!cpu_by_id(0xff));
    CHECK(cpu_by_id(2) != NULL);
    mem_free(&m);
}

TEST(madt_x2apic_entry_listed)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    static const uint8_t x2apic[16] = {
        9, 16, 0, 0,
        0x2c, 0x01, 0, 0,                       /* x2APIC id 300 */
        1, 0, 0, 0,                             /* enabled */
        4, 0, 0, 0,                             /* UID 4 */
    };
    madt_insert(&m, 76, x2apic, sizeof(x2apic));    /* after the local APICs */
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(info.ncpus, 5);
    const struct acpi_cpu *c = &info.cpus[4];
    CHECK_EQ(c->apic_id, 300);
    CHECK_EQ(c->uid, 4);
    CHECK(c->enabled);
    CHECK(!c->online_capable);
    CHECK(c->x2apic_entry);
    CHECK(!info.cpus[0].x2apic_entry);
    mem_free(&m);
}

TEST(madt_duplicate_apic_id_reported)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    static const uint8_t dups[] = {
        0, 8, 9, 2, 1, 0, 0, 0,                 /* local APIC: UID 9, APIC id 2 again */
        9, 16, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 10, 0, 0, 0,  /* x2APIC id 1, UID 10 */
    };
    madt_insert(&m, 76, dups, sizeof(dups));
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[0], "MADT lists APIC id 2 twice: second entry ignored");
    CHECK_HAS(rep.msg[1], "MADT lists APIC id 1 twice: second entry ignored");
    check_four_cpus();                          /* the first entries win */
    mem_free(&m);
}

TEST(madt_lapic_address_override_used)
{
    struct mem m;
    if (!mem_load(&m, "qemu-bios"))
        return;
    static const uint8_t override[12] = { 5, 12, 0, 0, 0, 0, 0xd0, 0xfe, 1, 0, 0, 0 };
    madt_insert(&m, 144, override, sizeof(override));
    CHECK_EQ(parse(&m), 0);
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(info.lapic_phys, 0x1fed00000ull);
    check_four_cpus();
    mem_free(&m);
}

/* ------------------------------------------------------------ acpi_find_s5 */

#define S5 '_', 'S', '5', '_'

/* Runs acpi_find_s5() on an exact-size heap copy, so ASan sees over-reads.
 * The outputs start as 0xee to show whether they were written. */
static bool find_s5(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
    uint8_t *p = dup_bytes(aml, len);
    *a = *b = 0xee;
    bool found = acpi_find_s5(p, len, a, b);
    free(p);
    return found;
}

/* Name(_S5, Package(4) { 5, 7, Zero, Zero }). PkgLength 8 counts itself,
 * NumElements and the six bytes of elements. */
static const uint8_t s5_bytes[] = { 0x08, S5, 0x12, 0x08, 0x04, 0x0a, 5, 0x0a, 7, 0x00, 0x00 };

TEST(find_s5_byte_values)
{
    uint8_t a, b;
    CHECK(find_s5(s5_bytes, sizeof(s5_bytes), &a, &b));
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 7);

    /* Name(\_S5, ...): a root prefix between NameOp and the name. */
    static const uint8_t rooted[] = { 0x08, 0x5c, S5, 0x12, 0x08, 0x04, 0x0a, 5, 0x0a, 7, 0, 0 };
    CHECK(find_s5(rooted, sizeof(rooted), &a, &b));
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 7);

    /* Inside other AML, as in a real DSDT. */
    static const uint8_t inside[] = { 0x10, 0x0b, 0x5c, 0x00, 0x08, S5, 0x12, 0x08, 0x04,
                                      0x0a, 3, 0x0a, 4, 0, 0, 0xa3 };
    CHECK(find_s5(inside, sizeof(inside), &a, &b));
    CHECK_EQ(a, 3);
    CHECK_EQ(b, 4);
}

TEST(find_s5_zero_one_word_dword)
{
    uint8_t a, b;
    static const uint8_t ops[] = { 0x08, S5, 0x12, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00 };
    CHECK(find_s5(ops, sizeof(ops), &a, &b));   /* OneOp, ZeroOp */
    CHECK_EQ(a, 1);
    CHECK_EQ(b, 0);

    static const uint8_t wide[] = { 0x08, S5, 0x12, 0x0a, 0x02, 0x0b, 5, 0, 0x0c, 7, 0, 0, 0 };
    CHECK(find_s5(wide, sizeof(wide), &a, &b)); /* WordPrefix, DWordPrefix */
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 7);

    /* A two-byte PkgLength: lead byte 0x48 (one more byte), then 0x00. */
    static const uint8_t pkg2[] = { 0x08, S5, 0x12, 0x48, 0x00, 0x04, 0x0a, 5, 0x0a, 7, 0, 0 };
    CHECK(find_s5(pkg2, sizeof(pkg2), &a, &b));
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 7);
}

TEST(find_s5_needs_name_and_package)
{
    uint8_t a, b;
    /* Method(_S5_, 2, Serialized) {...}: MethodOp, PkgLength, name, flags
     * 0x12 — the byte after the name looks like a PackageOp. */
    static const uint8_t method[] = { 0x14, 0x0c, S5, 0x12, 0x08, 0x04, 0x0a, 5, 0x0a, 7, 0, 0 };
    CHECK(!find_s5(method, sizeof(method), &a, &b));
    CHECK_EQ(a, 0xee);                          /* outputs untouched */
    CHECK_EQ(b, 0xee);

    /* The same, then the real Name(_S5): the second one is found. */
    uint8_t both[sizeof(method) + sizeof(s5_bytes)];
    memcpy(both, method, sizeof(method));
    memcpy(both + sizeof(method), s5_bytes, sizeof(s5_bytes));
    CHECK(find_s5(both, sizeof(both), &a, &b));
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 7);

    /* Name(_S5, 5): not a package. */
    static const uint8_t integer[] = { 0x08, S5, 0x0a, 5 };
    CHECK(!find_s5(integer, sizeof(integer), &a, &b));

    /* An element that is neither Zero, One nor an integer prefix (OnesOp). */
    static const uint8_t ones[] = { 0x08, S5, 0x12, 0x05, 0x04, 0xff, 0xff, 0, 0 };
    CHECK(!find_s5(ones, sizeof(ones), &a, &b));

    /* No _S5 at all; and no bytes at all. */
    static const uint8_t none[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };
    CHECK(!find_s5(none, sizeof(none), &a, &b));
    CHECK(!find_s5(none, 0, &a, &b));
}

TEST(find_s5_truncated_never_reads_past)
{
    /* Every prefix of s5_bytes: it is found once both values are whole
     * (the second, 0a 07, ends at byte 12), never before. */
    for (size_t len = 0; len <= sizeof(s5_bytes); len++) {
        uint8_t a, b;
        bool found = find_s5(s5_bytes, len, &a, &b);
        if (found != (len >= 12))
            UNIT_FAIL("%zu bytes: found=%d", len, found);
        if (found && (a != 5 || b != 7))
            UNIT_FAIL("%zu bytes: %u, %u", len, a, b);
    }
    uint8_t a, b;
    static const uint8_t after_package_op[] = { 0x08, S5, 0x12 };
    CHECK(!find_s5(after_package_op, sizeof(after_package_op), &a, &b));
}

/* ------------------------------------------------------------ acpi_rsdp_scan */

#define BIOS_AREA 0xe0000u
#define EBDA      0x9fc00u

/* Low memory as a BIOS leaves it: 0xe0000..0xfffff and a 1 KiB EBDA at
 * 0x9fc00, zeroed; plus the fixtures' RSDPs to copy in. */
struct lowmem {
    struct mem m;
    struct blob *bios, *ebda;
    struct mem v0, v2;
};

static bool lowmem_init(struct lowmem *l)
{
    memset(l, 0, sizeof(*l));
    if (!mem_load(&l->v0, "qemu-bios"))
        return false;
    if (!mem_load(&l->v2, "qemu-uefi")) {
        mem_free(&l->v0);
        return false;
    }
    l->bios = mem_add(&l->m, BIOS_AREA, NULL, 0x20000);
    l->ebda = mem_add(&l->m, EBDA, NULL, 0x400);
    return true;
}

static void lowmem_free(struct lowmem *l)
{
    mem_free(&l->m);
    mem_free(&l->v0);
    mem_free(&l->v2);
}

static void put_rsdp(struct blob *area, uint32_t off, const struct mem *from)
{
    memcpy(area->bytes + off, from->rsdp, from->rsdp_len);
}

TEST(rsdp_scan_finds_bios_area)
{
    struct lowmem l;
    if (!lowmem_init(&l))
        return;
    CHECK_EQ(acpi_rsdp_scan(0x9fc0, mem_map, &l.m), 0);     /* nothing yet */
    put_rsdp(l.bios, 0x5a30, &l.v0);
    CHECK_EQ(acpi_rsdp_scan(0x9fc0, mem_map, &l.m), 0xe5a30);
    CHECK_EQ(acpi_rsdp_scan(0, mem_map, &l.m), 0xe5a30);     /* no EBDA word */
    CHECK_EQ(acpi_rsdp_scan(0x9000, mem_map, &l.m), 0xe5a30); /* EBDA unmapped */
    lowmem_free(&l);

    /* A revision-2 RSDP, and one in the last 32 bytes (20 are enough). */
    if (!lowmem_init(&l))
        return;
    put_rsdp(l.bios, 0x1ffe0, &l.v0);
    CHECK_EQ(acpi_rsdp_scan(0, mem_map, &l.m), 0xfffe0);
    put_rsdp(l.bios, 0x100, &l.v2);
    CHECK_EQ(acpi_rsdp_scan(0, mem_map, &l.m), 0xe0100);
    lowmem_free(&l);
}

TEST(rsdp_scan_checks_ebda_first)
{
    struct lowmem l;
    if (!lowmem_init(&l))
        return;
    put_rsdp(l.ebda, 0x100, &l.v2);
    put_rsdp(l.bios, 0x5a30, &l.v0);
    CHECK_EQ(acpi_rsdp_scan(0x9fc0, mem_map, &l.m), 0x9fd00);
    /* The EBDA segment must point into 0x80000..0x9ffff to be looked at. */
    CHECK_EQ(acpi_rsdp_scan(0, mem_map, &l.m), 0xe5a30);
    CHECK_EQ(acpi_rsdp_scan(0x1000, mem_map, &l.m), 0xe5a30);
    lowmem_free(&l);

    /* The last 32 bytes of the EBDA are searched too. */
    if (!lowmem_init(&l))
        return;
    put_rsdp(l.ebda, 0x3e0, &l.v0);
    CHECK_EQ(acpi_rsdp_scan(0x9fc0, mem_map, &l.m), 0x9ffe0);
    lowmem_free(&l);
}

TEST(rsdp_scan_skips_bad_checksum)
{
    struct lowmem l;
    if (!lowmem_init(&l))
        return;
    put_rsdp(l.bios, 0x1000, &l.v0);
    l.bios->bytes[0x1000 + 8]++;
    CHECK_EQ(acpi_rsdp_scan(0x9fc0, mem_map, &l.m), 0);
    put_rsdp(l.bios, 0x2000, &l.v0);            /* a good one further on */
    CHECK_EQ(acpi_rsdp_scan(0x9fc0, mem_map, &l.m), 0xe2000);
    lowmem_free(&l);

    /* A revision-2 RSDP cut off by the end of the area is not valid. */
    if (!lowmem_init(&l))
        return;
    put_rsdp(l.bios, 0x1ffd0, &l.v2);           /* whole: found */
    CHECK_EQ(acpi_rsdp_scan(0, mem_map, &l.m), 0xfffd0);
    memset(l.bios->bytes + 0x1ffd0, 0, 36);
    memcpy(l.bios->bytes + 0x1ffe0, l.v2.rsdp, 32);     /* 4 bytes short */
    CHECK_EQ(acpi_rsdp_scan(0, mem_map, &l.m), 0);
    lowmem_free(&l);
}

TEST(rsdp_scan_needs_16_byte_alignment)
{
    struct lowmem l;
    if (!lowmem_init(&l))
        return;
    put_rsdp(l.bios, 0x5a38, &l.v0);
    put_rsdp(l.ebda, 0x104, &l.v0);
    CHECK_EQ(acpi_rsdp_scan(0x9fc0, mem_map, &l.m), 0);
    lowmem_free(&l);
}
