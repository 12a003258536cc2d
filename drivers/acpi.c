#include "drivers/acpi.h"
#include "arch/x86/cpu.h"
#include "drivers/acpi_tables.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/mm.h"

struct acpi_info acpi;
bool acpi_ok;

extern uint16_t boot_ebda_segment;

/* Physical memory below 4 GiB is identity-mapped (page 0 excepted). */
static const void *map_identity(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    if (phys < FRAME_SIZE || phys + len < phys || phys + len > MM_MAPPED_END)
        return NULL;
    return (const void *)(uintptr_t)phys;
}

static void report(void *ctx, const char *msg)
{
    (void)ctx;
    log_warn("ACPI: %s", msg);
}

/* acpi=dump: each table in hex, for scripts/acpi-fixture.sh. */
static void dump_bytes(const char *sig, uint64_t phys, const uint8_t *p, uint32_t len)
{
    log_always("acpidump: %s 0x%llx %u", sig, (unsigned long long)phys, len);
    for (uint32_t off = 0; off < len; off += 32) {
        char line[32 * 2 + 1];
        uint32_t n = len - off < 32 ? len - off : 32;
        for (uint32_t i = 0; i < n; i++)
            ksnprintf(line + 2 * i, 3, "%02x", p[off + i]);
        log_always("acpidump: %s", line);
    }
}

static void dump_tables(const uint8_t *rsdp, uint32_t rsdp_len)
{
    dump_bytes("RSDP", 0, rsdp, rsdp_len);
    for (uint32_t i = 0; i < acpi.ntables; i++) {
        if (!acpi.tables[i].ok)
            continue;
        const uint8_t *t = map_identity(NULL, acpi.tables[i].phys, acpi.tables[i].len);
        if (t)
            dump_bytes(acpi.tables[i].sig, acpi.tables[i].phys, t, acpi.tables[i].len);
    }
}

void acpi_init(const struct boot_info *bi, bool dump, bool scan)
{
    const uint8_t *rsdp = bi->rsdp;
    uint32_t rsdp_len = scan ? 0 : bi->rsdp_len;
    char where[64];

    if (rsdp_len) {
        ksnprintf(where, sizeof(where), "from the loader's %s tag",
                  bi->rsdp_new ? "ACPI 2.0+" : "ACPI 1.0");
    } else if (!bi->efi) {
        uint64_t phys = acpi_rsdp_scan(boot_ebda_segment, map_identity, NULL);
        if (phys) {
            rsdp = (const uint8_t *)(uintptr_t)phys;
            rsdp_len = rsdp[15] >= 2 ? sizeof(struct acpi_rsdp) : ACPI_RSDP_V1_LEN;
            ksnprintf(where, sizeof(where), "found at 0x%llx in the BIOS area",
                      (unsigned long long)phys);
        }
    }
    if (!rsdp_len) {
        log_warn("ACPI: no RSDP (%s%s): only the boot CPU will run",
                 scan ? "acpi=scan: the loader's ignored" : "the loader gave none",
                 bi->efi ? "; UEFI machines have no BIOS area to search" :
                           "; none in the BIOS area");
        return;
    }
    if (acpi_parse(rsdp, rsdp_len, map_identity, NULL, report, NULL, &acpi)) {
        log_warn("ACPI: tables unusable: only the boot CPU will run");
        return;
    }
    acpi_ok = true;
    log_info("ACPI: RSDP revision %u (OEM '%s') %s; %s at 0x%llx", acpi.revision, acpi.oem_id,
             where, acpi.xsdt ? "XSDT" : "RSDT", (unsigned long long)acpi.root_phys);
    for (uint32_t i = 0; i < acpi.ntables; i++)
        log_debug("ACPI: %s at 0x%llx, %u bytes%s", acpi.tables[i].sig,
                  (unsigned long long)acpi.tables[i].phys, acpi.tables[i].len,
                  acpi.tables[i].ok ? "" : " (not used)");
    if (acpi.have_fadt) {
        char tmr[40] = "no PM timer", rst[48] = "no reset register", s5[32] = "no \\_S5";
        if (acpi.pm_timer_port)
            ksnprintf(tmr, sizeof(tmr), "PM timer at port 0x%x (%d-bit)", acpi.pm_timer_port,
                      acpi.pm_timer_32bit ? 32 : 24);
        if (acpi.reset_supported)
            ksnprintf(rst, sizeof(rst), "reset register %s 0x%llx = 0x%x",
                      acpi.reset_reg.space == ACPI_GAS_IO ? "port" : "memory",
                      (unsigned long long)acpi.reset_reg.address, acpi.reset_value);
        if (acpi.have_s5)
            ksnprintf(s5, sizeof(s5), "\\_S5 sleep type %u", acpi.s5_typ_a);
        log_info("ACPI: FADT: %s, %s, %s", tmr, rst, s5);
    }
    if (dump)
        dump_tables(rsdp, rsdp_len);
}

static void reg_write(const struct acpi_reg *r, uint32_t value, int bits)
{
    if (r->space == ACPI_GAS_IO && r->address < 0x10000) {
        if (bits == 8)
            outb((uint16_t)r->address, (uint8_t)value);
        else
            outw((uint16_t)r->address, (uint16_t)value);
    } else if (r->space == ACPI_GAS_MEMORY && r->address + 4 <= MM_MAPPED_END) {
        if (bits == 8)
            *(volatile uint8_t *)(uintptr_t)r->address = (uint8_t)value;
        else
            *(volatile uint16_t *)(uintptr_t)r->address = (uint16_t)value;
    }
}

void acpi_poweroff(void)
{
    if (!acpi_ok || !acpi.have_fadt || !acpi.have_s5 || !acpi.pm1a_cnt.address)
        return;
    /* The SLP_EN write only works in ACPI mode (SCI_EN set): ask the
     * firmware to switch if it has not. */
    if (acpi.pm1a_cnt.space == ACPI_GAS_IO &&
        !(inw((uint16_t)acpi.pm1a_cnt.address) & ACPI_PM1_SCI_EN) && acpi.smi_cmd &&
        acpi.acpi_enable) {
        outb((uint16_t)acpi.smi_cmd, acpi.acpi_enable);
        for (int i = 0; i < 1000000 && !(inw((uint16_t)acpi.pm1a_cnt.address) & ACPI_PM1_SCI_EN); i++)
            cpu_relax();
    }
    reg_write(&acpi.pm1a_cnt, (uint32_t)acpi.s5_typ_a << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN, 16);
    if (acpi.pm1b_cnt.address)
        reg_write(&acpi.pm1b_cnt, (uint32_t)acpi.s5_typ_b << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN, 16);
    for (int i = 0; i < 1000000; i++)
        cpu_relax();
}

void acpi_reset(void)
{
    if (!acpi_ok || !acpi.reset_supported || !acpi.reset_reg.address)
        return;
    reg_write(&acpi.reset_reg, acpi.reset_value, 8);
    for (int i = 0; i < 1000000; i++)
        cpu_relax();
}
