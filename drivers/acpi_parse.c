#include "drivers/acpi_parse.h"
#include "drivers/acpi_tables.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

#define ACPI_TABLE_MAX (16u << 20)  /* no real table comes near this */

struct walk {
    acpi_map_fn map;
    void *mctx;
    report_fn report;
    void *rctx;
    struct acpi_info *info;
};

static uint8_t sum8(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    while (n--)
        s += *b++;
    return s;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

bool acpi_rsdp_valid(const void *p, size_t len, report_fn report, void *rctx)
{
    struct walk w = { .report = report, .rctx = rctx };
    const struct acpi_rsdp *r = p;
    if (len < ACPI_RSDP_V1_LEN || memcmp(r->signature, "RSD PTR ", 8)) {
        reportf(w.report, w.rctx, "RSDP: no 'RSD PTR ' signature");
        return false;
    }
    if (sum8(r, ACPI_RSDP_V1_LEN)) {
        reportf(w.report, w.rctx, "RSDP: checksum is wrong");
        return false;
    }
    if (r->revision >= 2) {
        if (len < sizeof(*r) || r->length < sizeof(*r) || r->length > len) {
            reportf(w.report, w.rctx, "RSDP: revision %u with length %u, %zu bytes available", r->revision,
                len >= sizeof(*r) ? r->length : 0, len);
            return false;
        }
        if (sum8(r, r->length)) {
            reportf(w.report, w.rctx, "RSDP: extended checksum is wrong");
            return false;
        }
    }
    return true;
}

uint64_t acpi_rsdp_scan(uint16_t ebda_segment, acpi_map_fn map, void *mctx)
{
    uint64_t areas[2][2] = { { 0, 0 }, { 0xe0000, 0x20000 } };
    uint64_t ebda = (uint64_t)ebda_segment << 4;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        areas[0][0] = ebda, areas[0][1] = 0xa0000 - ebda < 1024 ? 0xa0000 - ebda : 1024;
    for (int a = 0; a < 2; a++) {
        if (!areas[a][1])
            continue;
        const uint8_t *m = map(mctx, areas[a][0], areas[a][1]);
        if (!m)
            continue;
        for (uint64_t off = 0; off + ACPI_RSDP_V1_LEN <= areas[a][1]; off += 16) {
            size_t avail = (size_t)(areas[a][1] - off);
            if (!memcmp(m + off, "RSD PTR ", 8) &&
                acpi_rsdp_valid(m + off, avail, NULL, NULL))
                return areas[a][0] + off;
        }
    }
    return 0;
}

/* Map a whole table after checking its header: signature (when `sig` is
 * given), length and checksum. Records it in info->tables. */
static const uint8_t *get_table(struct walk *w, uint64_t phys, const char *sig)
{
    struct acpi_info *info = w->info;
    const struct acpi_sdt_header *h = w->map(w->mctx, phys, sizeof(*h));
    if (!h) {
        reportf(w->report, w->rctx, "%s table at 0x%llx cannot be read: skipped", sig ? sig : "a",
            (unsigned long long)phys);
        return NULL;
    }
    char name[5];
    memcpy(name, h->signature, 4);
    name[4] = '\0';
    for (int i = 0; i < 4; i++)
        if (name[i] < 0x20 || name[i] > 0x7e)
            name[i] = '?';
    if (info->ntables < ACPI_MAX_TABLES) {
        memcpy(info->tables[info->ntables].sig, name, 5);
        info->tables[info->ntables].phys = phys;
        info->tables[info->ntables].len = h->length;
        info->tables[info->ntables].ok = false;
    }
    uint32_t slot = info->ntables < ACPI_MAX_TABLES ? info->ntables++ : ACPI_MAX_TABLES;

    if (sig && memcmp(name, sig, 4)) {
        reportf(w->report, w->rctx, "table at 0x%llx should be %s but is '%s': skipped", (unsigned long long)phys,
            sig, name);
        return NULL;
    }
    if (h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX) {
        reportf(w->report, w->rctx, "%s at 0x%llx has impossible length %u: skipped", name, (unsigned long long)phys,
            h->length);
        return NULL;
    }
    const uint8_t *t = w->map(w->mctx, phys, h->length);
    if (!t) {
        reportf(w->report, w->rctx, "%s at 0x%llx (%u bytes) cannot be read: skipped", name,
            (unsigned long long)phys, h->length);
        return NULL;
    }
    if (sum8(t, h->length)) {
        reportf(w->report, w->rctx, "%s at 0x%llx has a wrong checksum: skipped", name, (unsigned long long)phys);
        return NULL;
    }
    if (slot < ACPI_MAX_TABLES)
        info->tables[slot].ok = true;
    return t;
}

static void add_cpu(struct walk *w, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2)
{
    struct acpi_info *info = w->info;
    if (!(flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE)))
        return;                 /* not usable, ever */
    for (uint32_t i = 0; i < info->ncpus; i++) {
        if (info->cpus[i].apic_id == apic_id) {
            reportf(w->report, w->rctx, "MADT lists APIC id %u twice: second entry ignored", apic_id);
            return;
        }
    }
    if (info->ncpus == ACPI_MAX_CPUS) {
        reportf(w->report, w->rctx, "MADT lists more than %d CPUs: APIC id %u ignored", ACPI_MAX_CPUS, apic_id);
        return;
    }
    info->cpus[info->ncpus++] = (struct acpi_cpu){
        .apic_id = apic_id, .uid = uid, .enabled = flags & MADT_LAPIC_ENABLED,
        .online_capable = !(flags & MADT_LAPIC_ENABLED) && (flags & MADT_LAPIC_ONLINE_CAPABLE),
        .x2apic_entry = x2,
    };
}

static void parse_madt(struct walk *w, const uint8_t *t)
{
    const struct acpi_madt *m = (const void *)t;
    struct acpi_info *info = w->info;
    if (m->h.length < sizeof(*m)) {
        reportf(w->report, w->rctx, "APIC (MADT) is %u bytes, shorter than its %zu-byte header: skipped",
            m->h.length, sizeof(*m));
        return;
    }
    info->have_madt = true;
    info->lapic_phys = m->lapic_address;
    info->pcat_compat = m->flags & 1;

    for (uint32_t off = sizeof(*m); off < m->h.length;) {
        const uint8_t *e = t + off;
        if (m->h.length - off < 2 || e[1] < 2 || e[1] > m->h.length - off) {
            reportf(w->report, w->rctx, "MADT entry at offset %u (type %u, length %u) runs past the table's %u "
                "bytes: rest of the MADT ignored", off, e[0],
                m->h.length - off < 2 ? 0 : e[1], m->h.length);
            return;
        }
        uint8_t type = e[0], len = e[1];
        switch (type) {
        case MADT_LOCAL_APIC:
            if (len < sizeof(struct madt_local_apic))
                goto short_entry;
            if (e[3] == 0xff)
                break;          /* 0xff is the broadcast id, never a CPU's */
            add_cpu(w, e[3], e[2], rd32(e + 4), false);
            break;
        case MADT_LOCAL_X2APIC:
            if (len < sizeof(struct madt_local_x2apic))
                goto short_entry;
            add_cpu(w, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
            break;
        case MADT_LAPIC_ADDR_OVERRIDE:
            if (len < sizeof(struct madt_lapic_override))
                goto short_entry;
            info->lapic_phys = rd64(e + 4);
            break;
        default:
            break;              /* I/O APICs, overrides, NMIs: not used yet */
        }
        off += len;
        continue;
short_entry:
        reportf(w->report, w->rctx, "MADT entry type %u at offset %u is %u bytes, too short: ignored", type, off,
            len);
        off += len;
    }
}

/* A FADT register: the 64-bit GAS when the table has it and it is set,
 * else the 32-bit I/O port. */
static struct acpi_reg fadt_reg(const uint8_t *t, uint32_t len, uint32_t off32, uint32_t offgas)
{
    struct acpi_reg r = { 0, 0 };
    if (offgas + 12 <= len && rd64(t + offgas + 4)) {
        r.space = t[offgas];
        r.address = rd64(t + offgas + 4);
    } else if (off32 + 4 <= len && rd32(t + off32)) {
        r.space = ACPI_GAS_IO;
        r.address = rd32(t + off32);
    }
    return r;
}

bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *typ_a, uint8_t *typ_b)
{
    for (size_t i = 1; i + 4 < len; i++) {
        if (memcmp(aml + i, "_S5_", 4))
            continue;
        /* NameOp, optionally with a root prefix: 08 _S5_ or 08 5C _S5_ */
        bool named = aml[i - 1] == 0x08 || (i >= 2 && aml[i - 1] == 0x5c && aml[i - 2] == 0x08);
        size_t p = i + 4;
        if (!named || p >= len || aml[p] != 0x12)       /* PackageOp */
            continue;
        p++;
        if (p >= len)
            return false;
        p += 1 + (aml[p] >> 6);                         /* PkgLength */
        p++;                                            /* NumElements */
        uint8_t v[2];
        for (int k = 0; k < 2; k++) {
            if (p >= len)
                return false;
            switch (aml[p]) {
            case 0x00: v[k] = 0; p += 1; break;         /* ZeroOp */
            case 0x01: v[k] = 1; p += 1; break;         /* OneOp */
            case 0x0a:                                  /* BytePrefix */
            case 0x0b:                                  /* WordPrefix */
            case 0x0c:                                  /* DWordPrefix */
                if (p + 1 >= len)
                    return false;
                v[k] = aml[p + 1];
                p += aml[p] == 0x0a ? 2 : aml[p] == 0x0b ? 3 : 5;
                break;
            default:
                return false;
            }
        }
        *typ_a = v[0];
        *typ_b = v[1];
        return true;
    }
    return false;
}

static void parse_fadt(struct walk *w, const uint8_t *t)
{
    struct acpi_info *info = w->info;
    uint32_t len = rd32(t + 4);
    if (len < FADT_PM_TMR_LEN + 1) {
        reportf(w->report, w->rctx, "FACP (FADT) is %u bytes, too short for its PM registers: skipped", len);
        return;
    }
    info->have_fadt = true;
    uint32_t flags = len >= FADT_FLAGS + 4 ? rd32(t + FADT_FLAGS) : 0;
    info->hw_reduced = flags & FADT_F_HW_REDUCED_ACPI;
    info->smi_cmd = rd32(t + FADT_SMI_CMD);
    info->acpi_enable = t[FADT_ACPI_ENABLE];
    info->pm1a_cnt = fadt_reg(t, len, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT);
    info->pm1b_cnt = fadt_reg(t, len, FADT_PM1B_CNT_BLK, FADT_X_PM1B_CNT);
    struct acpi_reg tmr = fadt_reg(t, len, FADT_PM_TMR_BLK, FADT_X_PM_TMR);
    if (tmr.space == ACPI_GAS_IO && tmr.address && tmr.address < 0x10000 &&
        t[FADT_PM_TMR_LEN] == 4) {
        info->pm_timer_port = (uint16_t)tmr.address;
        info->pm_timer_32bit = flags & FADT_F_TMR_VAL_EXT;
    }
    if (len >= FADT_RESET_VALUE + 1) {
        info->reset_supported = flags & FADT_F_RESET_REG_SUP;
        info->reset_reg.space = t[FADT_RESET_REG];
        info->reset_reg.address = rd64(t + FADT_RESET_REG + 4);
        info->reset_value = t[FADT_RESET_VALUE];
    }
    info->dsdt_phys = len >= FADT_X_DSDT + 8 && rd64(t + FADT_X_DSDT) ? rd64(t + FADT_X_DSDT)
                                                                      : rd32(t + FADT_DSDT);
    if (!info->dsdt_phys)
        return;
    const uint8_t *dsdt = get_table(w, info->dsdt_phys, "DSDT");
    if (!dsdt)
        return;
    info->have_s5 = acpi_find_s5(dsdt + sizeof(struct acpi_sdt_header),
                                 rd32(dsdt + 4) - sizeof(struct acpi_sdt_header),
                                 &info->s5_typ_a, &info->s5_typ_b);
    if (!info->have_s5)
        reportf(w->report, w->rctx, "DSDT has no \\_S5 package: no ACPI power-off");
}

int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *mctx,
               report_fn report, void *rctx, struct acpi_info *out)
{
    struct walk w = { map, mctx, report, rctx, out };
    memset(out, 0, sizeof(*out));
    if (!acpi_rsdp_valid(rsdp, rsdp_len, report, rctx))
        return -1;
    const struct acpi_rsdp *r = rsdp;
    out->revision = r->revision;
    memcpy(out->oem_id, r->oem_id, 6);

    out->xsdt = r->revision >= 2 && r->xsdt_address;
    out->root_phys = out->xsdt ? r->xsdt_address : r->rsdt_address;
    const uint8_t *root = get_table(&w, out->root_phys, out->xsdt ? "XSDT" : "RSDT");
    if (!root)
        return -1;
    uint32_t esize = out->xsdt ? 8 : 4;
    uint32_t n = (rd32(root + 4) - (uint32_t)sizeof(struct acpi_sdt_header)) / esize;

    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = root + sizeof(struct acpi_sdt_header) + i * esize;
        uint64_t phys = esize == 8 ? rd64(e) : rd32(e);
        if (!phys)
            continue;
        const uint8_t *t = get_table(&w, phys, NULL);
        if (!t)
            continue;
        if (!memcmp(t, "APIC", 4) && !out->have_madt)
            parse_madt(&w, t);
        else if (!memcmp(t, "FACP", 4) && !out->have_fadt)
            parse_fadt(&w, t);
    }
    if (!out->have_madt)
        reportf(w.report, w.rctx, "no usable MADT: only the boot CPU will run");
    if (!out->have_fadt)
        reportf(w.report, w.rctx, "no usable FADT: no PM timer, ACPI reset or power-off");
    return 0;
}
