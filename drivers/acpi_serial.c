#include "drivers/acpi_serial.h"
#include "drivers/acpi_tables.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

#define TABLE_MAX (1u << 20)        /* far more than any SPCR or DBG2 */

/* SPCR fields (Microsoft, "Serial Port Console Redirection Table"). */
#define SPCR_INTERFACE_TYPE 36      /* u8 */
#define SPCR_BASE_ADDRESS   40      /* GAS */
#define SPCR_BAUD_RATE      58      /* u8: 0 as is, 3 9600, 4 19200, 6 57600, 7 115200 */
#define SPCR_PARITY         59      /* u8: 0 none */
#define SPCR_STOP_BITS      60      /* u8: 1 */
#define SPCR_UART_CLOCK     76      /* u32, revision 3+: 0 unknown */
#define SPCR_PRECISE_BAUD   80      /* u32, revision 4+: 0 use SPCR_BAUD_RATE */
#define SPCR_MIN_LEN        80      /* revisions 1 and 2 */
#define UART_CLOCK_HZ       1843200u

/* DBG2 fields (Microsoft, "Debug Port Table 2"). */
#define DBG2_INFO_OFFSET    36      /* u32: first Debug Device Information structure */
#define DBG2_INFO_COUNT     40      /* u32 */
#define DBG2_MIN_LEN        44
/* Debug Device Information structure */
#define DDI_LENGTH          1       /* u16 */
#define DDI_REG_COUNT       3       /* u8: number of base address registers */
#define DDI_PORT_TYPE       12      /* u16 */
#define DDI_PORT_SUBTYPE    14      /* u16 */
#define DDI_BAR_OFFSET      18      /* u16: first GAS, from the structure's start */
#define DDI_MIN_LEN         22
#define GAS_LEN             12

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
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

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

/* Map a table at `phys` whose header says `sig` (any when NULL), whose
 * length fits and whose bytes sum to zero. */
static const uint8_t *checked_table(uint64_t phys, const char *sig, acpi_map_fn map, void *mctx)
{
    const uint8_t *h = map(mctx, phys, sizeof(struct acpi_sdt_header));
    if (!h || (sig && memcmp(h, sig, 4)))
        return NULL;
    uint32_t len = rd32(h + 4);
    if (len < sizeof(struct acpi_sdt_header) || len > TABLE_MAX)
        return NULL;
    const uint8_t *t = map(mctx, phys, len);
    return t && !sum8(t, len) ? t : NULL;
}

const uint8_t *acpi_find_table(const void *rsdp, size_t rsdp_len, const char *sig,
                               acpi_map_fn map, void *mctx, uint64_t *phys)
{
    if (!acpi_rsdp_valid(rsdp, rsdp_len, NULL, NULL))
        return NULL;
    const struct acpi_rsdp *r = rsdp;
    bool xsdt = r->revision >= 2 && r->xsdt_address;
    const uint8_t *root = checked_table(xsdt ? r->xsdt_address : r->rsdt_address,
                                        xsdt ? "XSDT" : "RSDT", map, mctx);
    if (!root)
        return NULL;
    uint32_t esize = xsdt ? 8 : 4;
    uint32_t n = (rd32(root + 4) - (uint32_t)sizeof(struct acpi_sdt_header)) / esize;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = root + sizeof(struct acpi_sdt_header) + i * esize;
        uint64_t at = esize == 8 ? rd64(e) : rd32(e);
        const uint8_t *t = at ? checked_table(at, sig, map, mctx) : NULL;
        if (t) {
            *phys = at;
            return t;
        }
    }
    return NULL;
}

const char *acpi_uart_subtype_name(uint16_t subtype, char *buf, size_t size)
{
    static const char *const names[] = {
        [0x00] = "16550", [0x01] = "16450", [0x02] = "MAX311xE SPI UART",
        [0x03] = "ARM PL011", [0x04] = "MSM8x60", [0x05] = "NVIDIA 16550",
        [0x06] = "TI OMAP", [0x08] = "APM88xxxx", [0x09] = "MSM8974", [0x0a] = "SAM5250",
        [0x0b] = "Intel USIF", [0x0c] = "i.MX 6", [0x0d] = "ARM SBSA (2.x)",
        [0x0e] = "ARM SBSA", [0x0f] = "ARM DCC", [0x10] = "BCM2835",
        [0x11] = "SDM845 (1.8432 MHz)", [0x12] = "16550-compatible (GAS)",
        [0x13] = "SDM845 (7.372 MHz)", [0x14] = "Intel LPSS", [0x15] = "RISC-V SBI console",
    };
    if (subtype < sizeof(names) / sizeof(names[0]) && names[subtype])
        return names[subtype];
    ksnprintf(buf, size, "type 0x%x", subtype);
    return buf;
}

/* Fill the register block from a GAS and decide whether Keel can drive
 * it: a 16550 kind with byte registers at I/O ports. */
static void set_block(struct acpi_serial *s, const uint8_t *gas, uint16_t subtype)
{
    s->subtype = subtype;
    s->space = gas[0];
    s->bit_width = gas[1];
    s->address = rd64(gas + 4);
    bool kind = subtype == ACPI_UART_16550 || subtype == ACPI_UART_16450 ||
                subtype == ACPI_UART_16550_GAS;
    s->usable = kind && s->space == ACPI_GAS_IO && s->address && s->address <= 0xfff8 &&
                (s->bit_width == 0 || s->bit_width == 8);
}

bool acpi_spcr_parse(const uint8_t *t, size_t len, struct acpi_serial *out, report_fn report,
                     void *rctx)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->table, "SPCR", 5);
    out->parity = 'n';
    out->stop_bits = 1;
    if (len < SPCR_MIN_LEN) {
        reportf(report, rctx, "SPCR is %zu bytes, shorter than the 80 of revision 1: ignored", len);
        return false;
    }
    set_block(out, t + SPCR_BASE_ADDRESS, t[SPCR_INTERFACE_TYPE]);
    if (!out->address) {
        reportf(report, rctx, "SPCR names no register address: ignored");
        return false;
    }
    static const uint32_t bauds[8] = { 0, 0, 0, 9600, 19200, 0, 57600, 115200 };
    uint8_t b = t[SPCR_BAUD_RATE];
    if (b < 8 && (b == 0 || bauds[b]))
        out->baud = bauds[b];
    else
        reportf(report, rctx, "SPCR baud rate code %u is undefined: the port's speed is kept", b);
    uint8_t rev = t[8];
    if (rev >= 4 && len >= SPCR_PRECISE_BAUD + 4 && rd32(t + SPCR_PRECISE_BAUD))
        out->baud = rd32(t + SPCR_PRECISE_BAUD);
    uint32_t clock = rev >= 3 ? rd32(t + SPCR_UART_CLOCK) : 0;
    if (out->baud && clock && clock != UART_CLOCK_HZ) {
        reportf(report, rctx, "SPCR UART clock is %u Hz, not 1843200: the port's speed is kept",
                clock);
        out->baud = 0;
    }
    if (out->baud && (out->baud > 115200 || 115200 % out->baud)) {
        reportf(report, rctx, "SPCR speed %u does not divide 115200: the port's speed is kept",
                out->baud);
        out->baud = 0;
    }
    if (t[SPCR_PARITY])
        reportf(report, rctx, "SPCR parity %u is undefined (0 is none): none used", t[SPCR_PARITY]);
    if (t[SPCR_STOP_BITS] > 1)
        reportf(report, rctx, "SPCR stop bits %u is undefined (1 is one): one used",
                t[SPCR_STOP_BITS]);
    return true;
}

bool acpi_dbg2_parse(const uint8_t *t, size_t len, struct acpi_serial *out, report_fn report,
                     void *rctx)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->table, "DBG2", 5);
    out->parity = 'n';
    out->stop_bits = 1;
    if (len < DBG2_MIN_LEN) {
        reportf(report, rctx, "DBG2 is %zu bytes, too short for its device list: ignored", len);
        return false;
    }
    uint32_t off = rd32(t + DBG2_INFO_OFFSET), n = rd32(t + DBG2_INFO_COUNT);
    bool found = false;
    for (uint32_t i = 0; i < n; i++) {
        if (off < DBG2_MIN_LEN || off > len || len - off < DDI_MIN_LEN) {
            reportf(report, rctx, "DBG2 device %u at offset %u runs past the table's %zu bytes: "
                    "the rest ignored", i, off, len);
            break;
        }
        const uint8_t *d = t + off;
        uint16_t dlen = rd16(d + DDI_LENGTH);
        if (dlen < DDI_MIN_LEN || dlen > len - off) {
            reportf(report, rctx, "DBG2 device %u at offset %u has length %u, outside %u..%zu: "
                    "the rest ignored", i, off, dlen, DDI_MIN_LEN, len - off);
            break;
        }
        uint16_t bar = rd16(d + DDI_BAR_OFFSET);
        if (rd16(d + DDI_PORT_TYPE) == ACPI_DBG2_PORT_SERIAL && d[DDI_REG_COUNT] &&
            bar >= DDI_MIN_LEN && bar <= dlen && dlen - bar >= GAS_LEN) {
            struct acpi_serial s = *out;
            set_block(&s, d + bar, rd16(d + DDI_PORT_SUBTYPE));
            /* The first serial port, unless a later one is a 16550 Keel
             * can drive and the first is not. */
            if (!found || (s.usable && !out->usable))
                *out = s;
            found = true;
        }
        off += dlen;
    }
    if (!found)
        reportf(report, rctx, "DBG2 lists no serial port");
    return found;
}
