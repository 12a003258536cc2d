/* ACPI table layouts Keel reads, as the ACPI specification defines them
 * (6.x: "RSDP Structure", "System Description Table Header", "MADT",
 * "FADT", "Generic Address Structure"). Only drivers/acpi_parse.c uses
 * them; the rest of Keel uses struct acpi_info. */
#ifndef KEEL_DRIVERS_ACPI_TABLES_H
#define KEEL_DRIVERS_ACPI_TABLES_H

#include <stdint.h>

struct __attribute__((packed)) acpi_rsdp {
    char signature[8];          /* "RSD PTR " */
    uint8_t checksum;           /* over the first 20 bytes */
    char oem_id[6];
    uint8_t revision;           /* 0: ACPI 1.0 (20 bytes); 2: ACPI 2.0+ (36 bytes) */
    uint32_t rsdt_address;
    uint32_t length;            /* revision >= 2 from here */
    uint64_t xsdt_address;
    uint8_t extended_checksum;  /* over `length` bytes */
    uint8_t reserved[3];
};
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP is 36 bytes");
#define ACPI_RSDP_V1_LEN 20

struct __attribute__((packed)) acpi_sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
};
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header is 36 bytes");

struct __attribute__((packed)) acpi_gas {
    uint8_t space_id;           /* ACPI_GAS_* */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;
};
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO     1

struct __attribute__((packed)) acpi_madt {
    struct acpi_sdt_header h;
    uint32_t lapic_address;
    uint32_t flags;             /* bit 0: PCAT_COMPAT (8259 PICs present) */
    /* interrupt controller structures follow */
};

/* MADT interrupt controller structure types */
#define MADT_LOCAL_APIC        0
#define MADT_IO_APIC           1
#define MADT_LAPIC_ADDR_OVERRIDE 5
#define MADT_LOCAL_X2APIC      9

struct __attribute__((packed)) madt_entry {
    uint8_t type;
    uint8_t length;
};

struct __attribute__((packed)) madt_local_apic {
    uint8_t type, length;
    uint8_t processor_uid;
    uint8_t apic_id;
    uint32_t flags;
};

struct __attribute__((packed)) madt_local_x2apic {
    uint8_t type, length;
    uint16_t reserved;
    uint32_t x2apic_id;
    uint32_t flags;
    uint32_t processor_uid;
};

struct __attribute__((packed)) madt_lapic_override {
    uint8_t type, length;
    uint16_t reserved;
    uint64_t address;
};

/* Local APIC flags */
#define MADT_LAPIC_ENABLED        (1u << 0)
#define MADT_LAPIC_ONLINE_CAPABLE (1u << 1)

/* FADT: the fields Keel reads, at their offsets in the table. A shorter
 * (older) FADT simply lacks the later fields; the parser checks the length
 * before reading each. */
#define FADT_DSDT          40   /* u32 */
#define FADT_SMI_CMD       48   /* u32 */
#define FADT_ACPI_ENABLE   52   /* u8 */
#define FADT_PM1A_CNT_BLK  64   /* u32 */
#define FADT_PM1B_CNT_BLK  68   /* u32 */
#define FADT_PM_TMR_BLK    76   /* u32 */
#define FADT_PM_TMR_LEN    91   /* u8 */
#define FADT_FLAGS         112  /* u32 */
#define FADT_RESET_REG     116  /* GAS */
#define FADT_RESET_VALUE   128  /* u8 */
#define FADT_X_DSDT        140  /* u64 */
#define FADT_X_PM1A_CNT    172  /* GAS */
#define FADT_X_PM1B_CNT    184  /* GAS */
#define FADT_X_PM_TMR      208  /* GAS */

#define FADT_F_TMR_VAL_EXT     (1u << 8)    /* PM timer is 32 bits, not 24 */
#define FADT_F_RESET_REG_SUP   (1u << 10)
#define FADT_F_HW_REDUCED_ACPI (1u << 20)

/* PM1 control register */
#define ACPI_PM1_SCI_EN     (1u << 0)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_EN     (1u << 13)

#endif
