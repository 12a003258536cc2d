// fuzz: drivers/acpi_parse.c kernel/lib/fmt.c
// fuzz-args: -max_len=16384
/* libFuzzer harness for the ACPI table parser. The first byte chooses:
 *   bit 3 set (raw): byte 1 is the RSDP's length, then the RSDP, then a
 *     memory image seen at physical 0 (and at 0xe0000 for the RSDP scan);
 *   bit 3 clear (tables): a list of tables, each "u16 length, bytes",
 *     placed in memory by the harness, with an RSDP (bit 0: revision 2 and
 *     an XSDT, else revision 0 and an RSDT) and a root table that lists
 *     them built around them. Checksums are made right unless bit 1 is
 *     set; bit 2 points the first FACP's DSDT fields at the last table
 *     (not listed in the root), so the \_S5 search is reached.
 * Every map() call gets its own heap copy of exactly the bytes asked for,
 * so ASan catches a read past what the parser mapped.
 *   scripts/fuzz.sh acpi */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/acpi_parse.h"

#define FUZZ_NAME "acpi"
#include "fuzz.h"

#define MAX_BLOBS 40
#define MAX_MAPS  512
#define ROOT_PHYS 0x100u
#define TABLES_PHYS 0x10000u

struct blob {
    uint64_t phys;
    const uint8_t *bytes;
    size_t len;
};

struct mem {
    struct blob blob[MAX_BLOBS];
    int n;
    void *maps[MAX_MAPS];
    int nmaps;
};

static const void *map(void *ctx, uint64_t phys, uint64_t len)
{
    struct mem *m = ctx;
    for (int i = 0; i < m->n; i++) {
        const struct blob *b = &m->blob[i];
        if (phys < b->phys || phys - b->phys > b->len || len > b->len - (phys - b->phys))
            continue;
        if (m->nmaps == MAX_MAPS)
            return NULL;
        void *copy = malloc(len ? len : 1);
        memcpy(copy, b->bytes + (phys - b->phys), len);
        m->maps[m->nmaps++] = copy;
        return copy;
    }
    return NULL;
}

static void add(struct mem *m, uint64_t phys, const uint8_t *bytes, size_t len)
{
    if (m->n < MAX_BLOBS)
        m->blob[m->n++] = (struct blob){ phys, bytes, len };
}

static void report(void *ctx, const char *msg)
{
    ASSERT(msg && *msg);
    ++*(int *)ctx;
}

static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Make the bytes [0, n) sum to zero through the byte at `at`. */
static void fix_sum(uint8_t *p, size_t n, size_t at)
{
    uint8_t s = 0;
    p[at] = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    p[at] = (uint8_t)-s;
}

static void check(const struct acpi_info *info, int r)
{
    ASSERT(r == 0 || r == -1);
    ASSERT(info->ncpus <= ACPI_MAX_CPUS && info->ntables <= ACPI_MAX_TABLES);
    for (uint32_t i = 0; i < info->ncpus; i++) {
        ASSERT(!(info->cpus[i].enabled && info->cpus[i].online_capable));
        for (uint32_t j = 0; j < i; j++)
            ASSERT(info->cpus[i].apic_id != info->cpus[j].apic_id);
    }
    for (uint32_t i = 0; i < info->ntables; i++)
        ASSERT(info->tables[i].sig[4] == '\0');
    ASSERT(info->oem_id[6] == '\0');
}

static struct acpi_info info;

static void run_raw(const uint8_t *data, size_t size)
{
    struct mem m = { .n = 0 };
    size_t rlen = size > 1 ? data[1] : 0;
    data += 2 < size ? 2 : size;
    size = size > 2 ? size - 2 : 0;
    if (rlen > size)
        rlen = size;
    uint8_t *rsdp = malloc(rlen ? rlen : 1);
    memcpy(rsdp, data, rlen);
    /* The BIOS area 0xe0000-0xfffff, the image at its start. */
    uint8_t *bios = calloc(1, 0x20000);
    memcpy(bios, data, size < 0x20000 ? size : 0x20000);
    add(&m, 0, data, size);
    add(&m, 0xe0000, bios, 0x20000);
    int reports = 0;
    int r = acpi_parse(rsdp, rlen, map, &m, report, &reports, &info);
    check(&info, r);
    ASSERT(r == 0 || reports > 0);
    uint16_t ebda = size >= 2 ? (uint16_t)(data[0] | data[1] << 8) : 0;
    uint64_t at = acpi_rsdp_scan(ebda, map, &m);
    ASSERT(at == 0 || (at >= 0xe0000 && at < 0x100000 && at % 16 == 0) ||
           (at >= 0x80000 && at < 0xa0000));
    uint8_t a, b;
    acpi_find_s5(data, size, &a, &b);
    for (int i = 0; i < m.nmaps; i++)
        free(m.maps[i]);
    free(rsdp);
    free(bios);
}

static void run_tables(const uint8_t *data, size_t size)
{
    struct mem m = { .n = 0 };
    uint8_t flags = data[0];
    bool xsdt = flags & 1, fix = !(flags & 2), link = flags & 4;
    uint8_t *tables[32];
    size_t lens[32];
    uint64_t phys[32];
    int n = 0;
    size_t off = 1;
    uint64_t at = TABLES_PHYS;
    while (n < 32 && off + 2 <= size) {
        size_t len = data[off] | (size_t)data[off + 1] << 8;
        off += 2;
        if (len > size - off)
            len = size - off;
        tables[n] = malloc(len ? len : 1);
        memcpy(tables[n], data + off, len);
        lens[n] = len;
        phys[n] = at;
        at += (len + 0xfff) & ~0xfffull;
        at += 0x1000;                       /* a gap: nothing maps across tables */
        off += len;
        n++;
    }
    int listed = link && n > 1 ? n - 1 : n;
    if (link && n > 1) {
        for (int i = 0; i < n - 1; i++) {
            if (lens[i] >= 44 && !memcmp(tables[i], "FACP", 4)) {
                wr32(tables[i] + 40, (uint32_t)phys[n - 1]);
                if (lens[i] >= 148)
                    wr64(tables[i] + 140, phys[n - 1]);
                break;
            }
        }
    }
    if (fix) {
        for (int i = 0; i < n; i++)
            if (lens[i] >= 36 && rd32(tables[i] + 4) >= 10 && rd32(tables[i] + 4) <= lens[i])
                fix_sum(tables[i], rd32(tables[i] + 4), 9);
    }
    for (int i = 0; i < n; i++)
        add(&m, phys[i], tables[i], lens[i]);

    unsigned esize = xsdt ? 8 : 4;
    uint8_t root[36 + 32 * 8];
    memset(root, 0, sizeof(root));
    memcpy(root, xsdt ? "XSDT" : "RSDT", 4);
    uint32_t root_len = 36 + esize * (uint32_t)listed;
    wr32(root + 4, root_len);
    for (int i = 0; i < listed; i++) {
        if (xsdt)
            wr64(root + 36 + 8 * i, phys[i]);
        else
            wr32(root + 36 + 4 * i, (uint32_t)phys[i]);
    }
    fix_sum(root, root_len, 9);
    add(&m, ROOT_PHYS, root, root_len);

    size_t rlen = xsdt ? 36 : 20;
    uint8_t *rsdp = calloc(1, rlen);
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "FUZZER", 6);
    rsdp[15] = xsdt ? 2 : 0;
    if (xsdt) {
        wr32(rsdp + 20, 36);
        wr64(rsdp + 24, ROOT_PHYS);
    } else {
        wr32(rsdp + 16, ROOT_PHYS);
    }
    fix_sum(rsdp, 20, 8);
    if (xsdt)
        fix_sum(rsdp, 36, 32);

    int reports = 0;
    int r = acpi_parse(rsdp, rlen, map, &m, report, &reports, &info);
    check(&info, r);
    ASSERT(r == 0);
    ASSERT(info.ntables >= 1 && info.tables[0].ok && info.xsdt == xsdt);
    for (int i = 0; i < m.nmaps; i++)
        free(m.maps[i]);
    for (int i = 0; i < n; i++)
        free(tables[i]);
    free(rsdp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 8)
        run_raw(data, size);
    else
        run_tables(data, size);
    return 0;
}
