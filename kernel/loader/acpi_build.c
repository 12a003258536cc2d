/* The guest's ACPI tables (acpi_build.h), as the ACPI specification
 * (6.x, chapter "ACPI Software Programming Model") lays them out. The
 * table structures and the FADT offsets Keel already reads are
 * drivers/acpi_tables.h's; what only a builder writes is defined here. */
#include <stddef.h>

#include "kernel/loader/acpi_build.h"
#include "drivers/acpi_tables.h"
#include "kernel/lib/string.h"

/* FADT fields (revision 5, "Fixed ACPI Description Table") that
 * acpi_tables.h does not name: byte offsets. */
#define FADT5_REVISION 5
#define FADT5_LEN 268
#define FADT5_FIRMWARE_CTRL 36          /* u32: FACS */
#define FADT5_PM_PROFILE 45             /* u8: 0, unspecified */
#define FADT5_SCI_INT 46                /* u16 */
#define FADT5_PM1A_EVT_BLK 56           /* u32 */
#define FADT5_PM1_EVT_LEN 88            /* u8 */
#define FADT5_PM1_CNT_LEN 89            /* u8 */
#define FADT5_P_LVL2_LAT 96             /* u16: > 100, no C2 */
#define FADT5_P_LVL3_LAT 98             /* u16: > 1000, no C3 */
#define FADT5_CENTURY 108               /* u8: the RTC's century register */
#define FADT5_IAPC_BOOT_ARCH 109        /* u16 */
#define FADT5_X_FIRMWARE_CTRL 132       /* u64: 0, FIRMWARE_CTRL says it */
#define FADT5_X_PM1A_EVT 148            /* GAS */
#define FADT5_NO_C_STATE_LAT 0x0fff     /* as QEMU: above both limits */

/* Fixed feature flags ("FADT Format", Flags) */
#define FADT_F_WBINVD (1u << 0)         /* WBINVD works: required since ACPI 2.0 */
#define FADT_F_PROC_C1 (1u << 2)        /* C1 (HLT) on every processor */
#define FADT_F_PWR_BUTTON (1u << 4)     /* no fixed-feature power button */
#define FADT_F_SLP_BUTTON (1u << 5)     /* no fixed-feature sleep button */
#define FADT_F_RTC_S4 (1u << 7)         /* the RTC alarm can wake from S4 (as QEMU says) */
#define FADT_FLAGS_KEEL (FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON | \
                         FADT_F_SLP_BUTTON | FADT_F_TMR_VAL_EXT | FADT_F_RESET_REG_SUP)

/* IA-PC boot architecture flags ("IA-PC Boot Architecture Flags") */
#define BOOT_ARCH_LEGACY_DEVICES (1u << 0)      /* COM1, the PIT, the 8259s */
#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define BOOT_ARCH_CMOS_RTC_NOT_PRESENT (1u << 5)
/* bit 1 (8042) clear: no keyboard controller, so Linux does not probe one */

#define GAS_ACCESS_UNDEFINED 0          /* "legacy reasons": the width decides, as QEMU */
#define GAS_ACCESS_BYTE 1

/* MADT structures acpi_tables.h does not define ("Interrupt Source
 * Override Structure", "Local APIC NMI Structure", "I/O APIC Structure"). */
#define MADT_INT_SRC_OVERRIDE 2
#define MADT_LOCAL_APIC_NMI 4
#define MADT_PCAT_COMPAT (1u << 0)
#define MADT_IO_APIC_LEN 12
#define MADT_ISO_LEN 10
#define MADT_NMI_LEN 6
#define MPS_INTI_HIGH_LEVEL 0x000d      /* polarity 01 active high, trigger 11 level */
#define MPS_INTI_CONFORMS 0x0000        /* ISA: edge, active high */
#define MADT_NMI_ALL_PROCESSORS 0xff
#define MADT_NMI_LINT1 1

#define FACS_LEN 64
#define FACS_VERSION 2                  /* ACPI 5.0's FACS, with the 64-bit waking vector */
#define FACS_ALIGN 64

#define SDT_CREATOR_ID "KEEL"
#define SDT_REVISION_OEM 1

/* The DSDT's AML ("ACPI Machine Language Specification"), hand-assembled:
 *   Name (\_S5, Package (4) { S5, S5, Zero, Zero })
 * 08           NameOp
 * 5c           RootChar '\'
 * 5f 53 35 5f  NameSeg "_S5_"
 * 12           PackageOp
 * 08           PkgLength: one byte, counting itself and the 7 after it
 * 04           NumElements
 * 0a 07        BytePrefix ACPI_SLP_TYP_S5 (PM1a_CNT.SLP_TYP)
 * 0a 07        BytePrefix ACPI_SLP_TYP_S5 (PM1b_CNT.SLP_TYP: no PM1b, the same)
 * 00 00        ZeroOp, ZeroOp (reserved) */
static const uint8_t dsdt_aml[] = {
    0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
    0x0a, ACPI_SLP_TYP_S5, 0x0a, ACPI_SLP_TYP_S5, 0x00, 0x00,
};
_Static_assert(ACPI_SLP_TYP_S5 <= 7, "SLP_TYP is 3 bits");

/* With the CMOS RTC, after \_S5 (QEMU's, less its ISA bridge):
 *   Device (\_SB.RTC) {
 *       Name (_HID, EisaId ("PNP0B00"))
 *       Name (_CRS, ResourceTemplate () {
 *           IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
 *           IRQNoFlags () {8}
 *       })
 *   }
 * which Linux's PnP layer finds and rtc-cmos takes (as "00:00").
 * 5b 82 2b                 DeviceOp, PkgLength: 43 bytes with itself
 * 5c 2e 5f 53 42 5f 52 54 43 5f   "\" DualNamePrefix "_SB_" "RTC_"
 * 08 5f 48 49 44 0c 41 d0 0b 00   Name (_HID, DWordPrefix EISA "PNP0B00")
 * 08 5f 43 52 53 11 10 0a 0d      Name (_CRS, Buffer, PkgLength 16, 13 bytes)
 *   47 01 70 00 70 00 01 02       IO: 16-bit decode, 0x70-0x70, align 1, 2 ports
 *   22 00 01                      IRQ: mask 1 << 8, no flags (edge, high)
 *   79 00                         end tag, checksum 0 (none) */
static const uint8_t dsdt_rtc_aml[] = {
    0x5b, 0x82, 0x2b, 0x5c, 0x2e, '_', 'S', 'B', '_', 'R', 'T', 'C', '_',
    0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0b, 0x00,
    0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
    0x47, 0x01, ACPI_BUILD_RTC_PORT, 0x00, ACPI_BUILD_RTC_PORT, 0x00, 0x01, 0x02,
    0x22, 0x00, 1 << (ACPI_BUILD_RTC_IRQ - 8),
    0x79, 0x00,
};
_Static_assert(sizeof(dsdt_rtc_aml) == 2 + 0x2b, "the device's PkgLength");


/* "High Precision Event Timer Table" (IA-PC HPET specification, 3.2.4) */
#define HPET_TABLE_LEN 56
#define HPET_TABLE_REVISION 1

/* In the RSDT and XSDT: FADT, MADT, and the HPET's where there is one. */
static unsigned table_count(const struct acpi_build_config *cfg)
{
    return 2 + cfg->hpet;
}

static void wr16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void wr32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void wr64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

static uint8_t checksum(const uint8_t *p, uint64_t n)
{
    uint8_t sum = 0;
    while (n--)
        sum += *p++;
    return (uint8_t)-sum;
}

static uint64_t madt_len(unsigned cpus)
{
    return sizeof(struct acpi_madt) + cpus * sizeof(struct madt_local_apic) + MADT_IO_APIC_LEN +
           2 * MADT_ISO_LEN + MADT_NMI_LEN;
}

static uint64_t sdt_len(unsigned entries, unsigned size)
{
    return sizeof(struct acpi_sdt_header) + (uint64_t)entries * size;
}

static uint64_t dsdt_len(const struct acpi_build_config *cfg)
{
    return sdt_len(0, 1) + sizeof(dsdt_aml) + (cfg->cmos_rtc ? sizeof(dsdt_rtc_aml) : 0);
}

/* Where each table goes, relative to base: each at the next boundary
 * its table needs in guest-physical terms. Returns the bytes used. */
static uint64_t place(uint64_t base, const struct acpi_build_config *cfg,
                      struct acpi_build_layout *l)
{
    uint64_t at = base;
    unsigned n = table_count(cfg);
    struct { uint64_t *where, len, align; } t[] = {
        { &l->rsdp, sizeof(struct acpi_rsdp), 16 },
        { &l->rsdt, sdt_len(n, 4), 16 },
        { &l->xsdt, sdt_len(n, 8), 16 },
        { &l->fadt, FADT5_LEN, 16 },
        { &l->facs, FACS_LEN, FACS_ALIGN },
        { &l->dsdt, dsdt_len(cfg), 16 },
        { &l->madt, madt_len(cfg->cpus), 16 },
        { &l->hpet, cfg->hpet ? HPET_TABLE_LEN : 0, 16 },
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (!t[i].len) {
            *t[i].where = 0;
            continue;
        }
        at = (at + t[i].align - 1) & ~(t[i].align - 1);
        *t[i].where = at;
        at += t[i].len;
    }
    l->size = at - base;
    return l->size;
}

uint64_t acpi_build_size(const struct acpi_build_config *cfg)
{
    struct acpi_build_layout l;
    return place(0, cfg, &l);
}

/* The header every table but the RSDP and FACS starts with; the checksum
 * is set last (finish). */
static void header(uint8_t *t, const char *sig, uint64_t len, uint8_t revision)
{
    struct acpi_sdt_header h = {
        .length = (uint32_t)len, .revision = revision, .oem_revision = SDT_REVISION_OEM,
        .creator_revision = SDT_REVISION_OEM,
    };
    memcpy(h.signature, sig, 4);
    memcpy(h.oem_id, ACPI_BUILD_OEM_ID, 6);
    memcpy(h.oem_table_id, ACPI_BUILD_OEM_TABLE_ID, 8);
    memcpy(&h.creator_id, SDT_CREATOR_ID, 4);
    memcpy(t, &h, sizeof(h));
}

static void finish(uint8_t *t)
{
    struct acpi_sdt_header h;
    memcpy(&h, t, sizeof(h));
    t[offsetof(struct acpi_sdt_header, checksum)] = checksum(t, h.length);
}

static void gas(uint8_t *p, uint8_t space, uint8_t width, uint8_t access, uint64_t address)
{
    struct acpi_gas g = {
        .space_id = space, .bit_width = width, .access_size = access, .address = address,
    };
    memcpy(p, &g, sizeof(g));
}

static void build_rsdp(uint8_t *p, const struct acpi_build_layout *l)
{
    struct acpi_rsdp r = {
        .revision = 2, .rsdt_address = (uint32_t)l->rsdt, .length = sizeof(r),
        .xsdt_address = l->xsdt,
    };
    memcpy(r.signature, "RSD PTR ", 8);
    memcpy(r.oem_id, ACPI_BUILD_OEM_ID, 6);
    r.checksum = checksum((const uint8_t *)&r, ACPI_RSDP_V1_LEN);
    r.extended_checksum = checksum((const uint8_t *)&r, sizeof(r));
    memcpy(p, &r, sizeof(r));
}

/* RSDT (32-bit entries) or XSDT (64-bit): the FADT, the MADT, then the
 * HPET's table where there is one. */
static void build_root(uint8_t *t, const struct acpi_build_layout *l, unsigned n, bool x)
{
    unsigned size = x ? 8 : 4;
    const uint64_t entry[] = { l->fadt, l->madt, l->hpet };
    header(t, x ? "XSDT" : "RSDT", sdt_len(n, size), 1);
    uint8_t *e = t + sizeof(struct acpi_sdt_header);
    for (unsigned i = 0; i < n; i++, e += size) {
        if (x)
            wr64(e, entry[i]);
        else
            wr32(e, (uint32_t)entry[i]);
    }
    finish(t);
}

static void build_fadt(uint8_t *t, const struct acpi_build_layout *l,
                       const struct acpi_build_config *cfg)
{
    header(t, "FACP", FADT5_LEN, FADT5_REVISION);
    wr32(t + FADT5_FIRMWARE_CTRL, (uint32_t)l->facs);
    wr32(t + FADT_DSDT, (uint32_t)l->dsdt);
    wr16(t + FADT5_SCI_INT, ACPI_SCI_IRQ);
    /* SMI_CMD, ACPI_ENABLE, ACPI_DISABLE: 0, always in ACPI mode */
    wr32(t + FADT5_PM1A_EVT_BLK, ACPI_PM1A_EVT_BLK);
    wr32(t + FADT_PM1A_CNT_BLK, ACPI_PM1A_CNT_BLK);
    wr32(t + FADT_PM_TMR_BLK, ACPI_PM_TMR_BLK);
    t[FADT5_PM1_EVT_LEN] = ACPI_PM1_EVT_LEN;
    t[FADT5_PM1_CNT_LEN] = ACPI_PM1_CNT_LEN;
    t[FADT_PM_TMR_LEN] = ACPI_PM_TMR_LEN;
    /* no GPE blocks, no PM2: their addresses and lengths stay 0 */
    wr16(t + FADT5_P_LVL2_LAT, FADT5_NO_C_STATE_LAT);
    wr16(t + FADT5_P_LVL3_LAT, FADT5_NO_C_STATE_LAT);
    wr16(t + FADT5_IAPC_BOOT_ARCH,
         BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_VGA_NOT_PRESENT |
             (cfg->cmos_rtc ? 0 : BOOT_ARCH_CMOS_RTC_NOT_PRESENT));
    /* the RTC: its century register; no day or month alarm */
    t[FADT5_CENTURY] = cfg->cmos_rtc ? ACPI_BUILD_RTC_CENTURY : 0;
    wr32(t + FADT_FLAGS, FADT_FLAGS_KEEL | (cfg->cmos_rtc ? FADT_F_RTC_S4 : 0));
    gas(t + FADT_RESET_REG, ACPI_GAS_IO, 8, GAS_ACCESS_BYTE, ACPI_RESET_PORT);
    t[FADT_RESET_VALUE] = ACPI_RESET_VALUE;
    /* The 64-bit pointers and blocks say the same as the 32-bit ones
     * (ACPICA warns when they differ); widths are the lengths in bits.
     * But X_FIRMWARE_CTRL stays 0: the specification wants it zero when
     * FIRMWARE_CTRL is not, and ACPICA installs the FACS once for each
     * pointer (Linux listed it twice); QEMU leaves it 0 too. */
    wr64(t + FADT_X_DSDT, l->dsdt);
    gas(t + FADT5_X_PM1A_EVT, ACPI_GAS_IO, 8 * ACPI_PM1_EVT_LEN, GAS_ACCESS_UNDEFINED,
        ACPI_PM1A_EVT_BLK);
    gas(t + FADT_X_PM1A_CNT, ACPI_GAS_IO, 8 * ACPI_PM1_CNT_LEN, GAS_ACCESS_UNDEFINED,
        ACPI_PM1A_CNT_BLK);
    gas(t + FADT_X_PM_TMR, ACPI_GAS_IO, 8 * ACPI_PM_TMR_LEN, GAS_ACCESS_UNDEFINED,
        ACPI_PM_TMR_BLK);
    finish(t);
}

/* "Firmware ACPI Control Structure": no checksum; no waking vector, no
 * global lock, no S4BIOS. */
static void build_facs(uint8_t *t)
{
    memcpy(t, "FACS", 4);
    wr32(t + 4, FACS_LEN);
    t[32] = FACS_VERSION;
}

static void build_dsdt(uint8_t *t, const struct acpi_build_config *cfg)
{
    header(t, "DSDT", dsdt_len(cfg), 2);        /* 2: 64-bit AML integers */
    memcpy(t + sizeof(struct acpi_sdt_header), dsdt_aml, sizeof(dsdt_aml));
    if (cfg->cmos_rtc)
        memcpy(t + sizeof(struct acpi_sdt_header) + sizeof(dsdt_aml), dsdt_rtc_aml,
               sizeof(dsdt_rtc_aml));
    finish(t);
}

static void build_madt(uint8_t *t, unsigned cpus)
{
    header(t, "APIC", madt_len(cpus), 3);       /* 3: ACPI 2.0+ MADT */
    struct acpi_madt m;
    memcpy(&m, t, sizeof(m.h));
    m.lapic_address = ACPI_BUILD_LAPIC_ADDR;
    m.flags = MADT_PCAT_COMPAT;                 /* the 8259 pair is there, masked */
    memcpy(t, &m, sizeof(m));
    uint8_t *e = t + sizeof(m);
    /* Local APIC structures, not x2APIC ones: the specification wants
     * these for every APIC ID below 255. The UID is the APIC ID. */
    for (unsigned i = 0; i < cpus; i++) {
        struct madt_local_apic a = {
            .type = MADT_LOCAL_APIC, .length = sizeof(a), .processor_uid = (uint8_t)i,
            .apic_id = (uint8_t)i, .flags = MADT_LAPIC_ENABLED,
        };
        memcpy(e, &a, sizeof(a));
        e += sizeof(a);
    }
    e[0] = MADT_IO_APIC;
    e[1] = MADT_IO_APIC_LEN;
    e[2] = (uint8_t)cpus;                       /* its ID: the first after the CPUs' */
    e[3] = 0;
    wr32(e + 4, ACPI_BUILD_IOAPIC_ADDR);
    wr32(e + 8, 0);                             /* GSI base */
    e += MADT_IO_APIC_LEN;
    /* The PC's overrides, as QEMU and real chipsets give them: the PIT on
     * pin 2 (pin 0 is the 8259's ExtINT), the SCI level-triggered. */
    static const struct { uint8_t irq; uint32_t gsi; uint16_t flags; } iso[] = {
        { 0, 2, MPS_INTI_CONFORMS },
        { ACPI_SCI_IRQ, ACPI_SCI_IRQ, MPS_INTI_HIGH_LEVEL },
    };
    for (unsigned i = 0; i < 2; i++) {
        e[0] = MADT_INT_SRC_OVERRIDE;
        e[1] = MADT_ISO_LEN;
        e[2] = 0;                               /* bus: ISA */
        e[3] = iso[i].irq;
        wr32(e + 4, iso[i].gsi);
        wr16(e + 8, iso[i].flags);
        e += MADT_ISO_LEN;
    }
    e[0] = MADT_LOCAL_APIC_NMI;
    e[1] = MADT_NMI_LEN;
    e[2] = MADT_NMI_ALL_PROCESSORS;
    wr16(e + 3, MPS_INTI_CONFORMS);
    e[5] = MADT_NMI_LINT1;
    finish(t);
}

/* The HPET's description: its ID register's low half, its base in memory
 * space (a GAS: width, offset and access size 0, as QEMU gives them),
 * HPET number 0, no minimum periodic tick, no page protection. */
static void build_hpet(uint8_t *t)
{
    header(t, "HPET", HPET_TABLE_LEN, HPET_TABLE_REVISION);
    wr32(t + 36, ACPI_BUILD_HPET_ID);
    gas(t + 40, ACPI_GAS_MEMORY, 0, GAS_ACCESS_UNDEFINED, ACPI_BUILD_HPET_ADDR);
    finish(t);
}

uint64_t acpi_build_tables(void *buf, uint64_t size, uint64_t base,
                           const struct acpi_build_config *cfg, struct acpi_build_layout *layout,
                           report_fn report, void *ctx)
{
    struct acpi_build_layout l;
    if (cfg->cpus < 1 || cfg->cpus > ACPI_BUILD_CPUS_MAX) {
        reportf(report, ctx, "ACPI tables: %u vCPUs; the tables describe 1 to %d", cfg->cpus,
                ACPI_BUILD_CPUS_MAX);
        return 0;
    }
    if (base % 16 || base >= (1ull << 32)) {
        reportf(report, ctx, "ACPI tables: base 0x%llx is not a 16-byte boundary below 4 GiB, "
                "where the RSDP search and the 32-bit pointers need it",
                (unsigned long long)base);
        return 0;
    }
    uint64_t need = place(base, cfg, &l);
    if (need > size || base + need > (1ull << 32)) {
        reportf(report, ctx, "ACPI tables: %llu bytes at 0x%llx do not fit in the %llu bytes given "
                "below 4 GiB", (unsigned long long)need, (unsigned long long)base,
                (unsigned long long)size);
        return 0;
    }
    uint8_t *b = buf;
    memset(b, 0, need);
    build_rsdp(b + (l.rsdp - base), &l);
    build_root(b + (l.rsdt - base), &l, table_count(cfg), false);
    build_root(b + (l.xsdt - base), &l, table_count(cfg), true);
    build_fadt(b + (l.fadt - base), &l, cfg);
    build_facs(b + (l.facs - base));
    build_dsdt(b + (l.dsdt - base), cfg);
    build_madt(b + (l.madt - base), cfg->cpus);
    if (cfg->hpet)
        build_hpet(b + (l.hpet - base));
    if (layout)
        *layout = l;
    return need;
}
