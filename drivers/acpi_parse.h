/* ACPI tables → struct acpi_info. Pure: physical memory is read through a
 * callback, so the host unit tests feed it table dumps (tests/unit/fixtures).
 * Every table's signature, length and checksum is checked before use; a
 * bad table is reported by name and skipped. */
#ifndef KEEL_DRIVERS_ACPI_PARSE_H
#define KEEL_DRIVERS_ACPI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

#define ACPI_MAX_CPUS   256
#define ACPI_MAX_TABLES 48

/* Pointer to `len` readable bytes at physical `phys`, or NULL. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, uint64_t len);

struct acpi_reg {               /* a FADT register Keel uses */
    uint8_t space;              /* ACPI_GAS_IO or ACPI_GAS_MEMORY; 0 with address 0: none */
    uint64_t address;
};

struct acpi_cpu {
    uint32_t apic_id;
    uint32_t uid;
    bool enabled;               /* usable now */
    bool online_capable;        /* not enabled, but may be brought online */
    bool x2apic_entry;          /* from a local x2APIC structure */
};

struct acpi_info {
    uint8_t revision;           /* RSDP revision */
    char oem_id[7];
    uint64_t root_phys;         /* XSDT, or RSDT when there is no XSDT */
    bool xsdt;

    struct { char sig[5]; uint64_t phys; uint32_t len; bool ok; } tables[ACPI_MAX_TABLES];
    uint32_t ntables;

    bool have_madt;
    uint64_t lapic_phys;
    bool pcat_compat;           /* 8259 PICs present */
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    uint32_t ncpus;

    bool have_fadt;
    bool hw_reduced;
    struct acpi_reg reset_reg;
    uint8_t reset_value;
    bool reset_supported;
    struct acpi_reg pm1a_cnt, pm1b_cnt;
    uint16_t pm_timer_port;     /* 0: none */
    bool pm_timer_32bit;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    uint64_t dsdt_phys;

    bool have_s5;               /* \_S5 sleep type values from the DSDT */
    uint8_t s5_typ_a, s5_typ_b;
};

/* Check an RSDP: signature, checksum, and for revision >= 2 its length
 * and extended checksum. `len` is how many bytes are available. */
bool acpi_rsdp_valid(const void *rsdp, size_t len, report_fn report, void *rctx);

/* Look for the RSDP where BIOS firmware puts it: the first KiB of the EBDA
 * (`ebda_segment`, the BIOS data area word at 0x40e) and 0xe0000..0xfffff,
 * on 16-byte boundaries. Returns its physical address, or 0. Only for BIOS
 * boots. */
uint64_t acpi_rsdp_scan(uint16_t ebda_segment, acpi_map_fn map, void *mctx);

/* Walk RSDT/XSDT, MADT, FADT and the DSDT's \_S5. Returns 0, or -1 when the
 * RSDP or root table is unusable (a report says why); individual bad
 * tables are reported and skipped. */
int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *mctx,
               report_fn report, void *rctx, struct acpi_info *out);

/* Find \_S5's package in AML and read its first two values. Exposed for
 * tests. Returns false when there is no usable \_S5. */
bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *typ_a, uint8_t *typ_b);

#endif
