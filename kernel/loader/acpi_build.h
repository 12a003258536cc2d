/* The ACPI tables a guest is given (issue "Linux guests"): RSDP, RSDT,
 * XSDT, FADT, FACS, a DSDT with \_S5, and a MADT with exactly the guest's
 * vCPUs and its one I/O APIC. Pure: built into a host buffer that the
 * caller copies to guest-physical `base`; also built into the host unit
 * tests, which read the tables back with drivers/acpi_parse.c.
 *
 * Where: ACPI_BUILD_BASE, in the BIOS area that the RSDP search covers
 * ("Finding the RSDP on IA-PC Systems": 16-byte boundaries in
 * 0xe0000-0xfffff) and that every guest memory map leaves out of RAM.
 * The tables, each at the next boundary its table needs (in this order):
 *   RSDP (revision 2, 36 bytes)   at base, 16-aligned
 *   RSDT (FADT, MADT[, HPET])     for ACPI 1.0 operating systems
 *   XSDT (FADT, MADT[, HPET])
 *   FADT (revision 5, 268 bytes)  FACS (32-bit pointer), DSDT (both)
 *   FACS (64 bytes)               64-aligned, as the specification wants
 *   DSDT                          \_S5, and the RTC (PNP0B00) where the
 *                                 config has one (hand-assembled AML)
 *   MADT                          local APICs 0..N-1, I/O APIC N,
 *                                 overrides IRQ0->GSI2 and IRQ9 level/high,
 *                                 LINT1 NMI on every processor (as QEMU)
 *   HPET (56 bytes)               where the config says: the HPET at
 *                                 0xfed00000 (vmx/dev/hpet.h)
 * under 1 KiB for ACPI_BUILD_CPUS_MAX vCPUs (acpi_build_size()).
 *
 * The fixed-hardware registers the FADT names, as ICH9's PMBASE block at
 * 0x600 (QEMU's choice for both its machines; clear of Bochs' PIIX4
 * block at 0xb000, which the host itself may use): Keel's virtual PM
 * device must answer at these ports (the constants below are its
 * definition too). */
#ifndef KEEL_LOADER_ACPI_BUILD_H
#define KEEL_LOADER_ACPI_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

#define ACPI_BUILD_BASE 0xe0000u        /* guest-physical, see above */
#define ACPI_BUILD_AREA_END 0x100000u   /* the area ends below 1 MiB */
#define ACPI_BUILD_CPUS_MAX 15          /* the I/O APIC's ID (N) fits 82093AA's 4 bits */

#define ACPI_BUILD_OEM_ID "KEEL  "      /* 6 characters */
#define ACPI_BUILD_OEM_TABLE_ID "KEELVM  "  /* 8 characters */

/* The RTC (the DSDT's PNP0B00, the FADT's century), as vmx/dev/rtc.h
 * defines it */
#define ACPI_BUILD_RTC_PORT 0x70
#define ACPI_BUILD_RTC_IRQ 8            /* 8-15: the AML's IRQ mask has it in its second byte */
#define ACPI_BUILD_RTC_CENTURY 0x32

/* The HPET (its table), as vmx/dev/hpet.h defines it */
#define ACPI_BUILD_HPET_ADDR 0xfed00000u
#define ACPI_BUILD_HPET_ID 0x80862201u  /* its General Capabilities and ID, bits 31:0 */

/* Interrupt controllers (MADT) */
#define ACPI_BUILD_LAPIC_ADDR 0xfee00000u
#define ACPI_BUILD_IOAPIC_ADDR 0xfec00000u
#define ACPI_BUILD_IOAPIC_PINS 24       /* GSIs 0-23, for the I/O APIC model */

/* Fixed hardware (FADT). SMI_CMD is 0: the platform is always in ACPI
 * mode, so PM1a_CNT.SCI_EN must read 1 from the start. */
#define ACPI_SCI_IRQ 9                  /* ISA IRQ 9, level, active high (MADT override) */
#define ACPI_PM_BASE 0x600u
#define ACPI_PM1A_EVT_BLK 0x600u        /* PM1_STS (16 bits), PM1_EN (16 bits) */
#define ACPI_PM1_EVT_LEN 4
#define ACPI_PM1A_CNT_BLK 0x604u        /* PM1_CNT (16 bits): SCI_EN, SLP_TYP, SLP_EN */
#define ACPI_PM1_CNT_LEN 2
#define ACPI_PM_TMR_BLK 0x608u          /* 3.579545 MHz, 32 bits (TMR_VAL_EXT) */
#define ACPI_PM_TMR_LEN 4
#define ACPI_PM_TMR_HZ 3579545u
#define ACPI_RESET_PORT 0xcf9u          /* the FADT's reset register (byte) */
#define ACPI_RESET_VALUE 0x06u          /* a hard reset through the PCI reset control port */
/* \_S5's SLP_TYP: what a guest writes to PM1_CNT.SLP_TYP, with SLP_EN, to
 * power off; ICH9's encoding of soft off (S5) is 111b. */
#define ACPI_SLP_TYP_S5 7u

/* What the tables describe. */
struct acpi_build_config {
    unsigned cpus;                      /* vCPUs: local APIC IDs 0..cpus-1, 1..ACPI_BUILD_CPUS_MAX */
    bool cmos_rtc;                      /* an MC146818 RTC at ports 0x70/0x71, IRQ 8 (the
                                         * DSDT's PNP0B00, the FADT's century 0x32); false:
                                         * the FADT says CMOS RTC not present */
    bool hpet;                          /* an HPET table for the HPET at ACPI_BUILD_HPET_ADDR */
};

/* Where each table went (guest-physical), and the bytes used from base. */
struct acpi_build_layout {
    uint64_t rsdp, rsdt, xsdt, fadt, facs, dsdt, madt, hpet;   /* hpet: 0 without one */
    uint64_t size;
};

/* The bytes the tables take for `cfg` when built at a 64-aligned base
 * (at most 48 more elsewhere): what the caller must give. */
uint64_t acpi_build_size(const struct acpi_build_config *cfg);

/* Build the tables into buf[0 .. size) as they will be at guest-physical
 * `base` (16-aligned, the whole below 4 GiB: the RSDT and the FADT's
 * 32-bit pointers must reach them). Zeroes the bytes it uses. Returns the
 * bytes used (layout->size; layout may be NULL), or 0 after one report saying
 * what is wrong (too many vCPUs, too small a buffer, a bad base). */
uint64_t acpi_build_tables(void *buf, uint64_t size, uint64_t base,
                           const struct acpi_build_config *cfg, struct acpi_build_layout *layout,
                           report_fn report, void *ctx);

#endif
