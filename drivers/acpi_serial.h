/* The serial port the firmware names in ACPI: the Serial Port Console
 * Redirection table (SPCR) and the Debug Port Table 2 (DBG2), both
 * Microsoft specifications that ACPI reserves the signatures for. Pure:
 * tables are read through an acpi_map_fn, so the host unit tests and the
 * fuzzer feed them dumps. Every table is checked (signature, length,
 * checksum) before use. */
#ifndef KEEL_DRIVERS_ACPI_SERIAL_H
#define KEEL_DRIVERS_ACPI_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/acpi_parse.h"

/* SPCR "Interface Type" and DBG2 "Port Subtype" share one numbering
 * (DBG2 specification, "Table 3. Serial Port Subtypes"). Keel drives
 * these three when the registers are I/O ports. */
#define ACPI_UART_16550       0x0000   /* full 16550 interface */
#define ACPI_UART_16450       0x0001   /* 16550 subset (DBGP revision 1) */
#define ACPI_UART_16550_GAS   0x0012   /* 16550-compatible, parameters in the GAS */
#define ACPI_DBG2_PORT_SERIAL 0x8000   /* DBG2 "Port Type": serial */

struct acpi_serial {
    char table[5];              /* "SPCR" or "DBG2" */
    uint16_t subtype;           /* interface type / port subtype */
    uint8_t space;              /* the register block's GAS space: ACPI_GAS_IO, ... */
    uint8_t bit_width;          /* the GAS register bit width */
    uint64_t address;
    uint32_t baud;              /* 0: as the firmware left it (SPCR "as is"; DBG2 always) */
    char parity;                /* 'n' (the only parity SPCR defines) */
    uint8_t stop_bits;          /* 1 */
    bool usable;                /* a 16550 at an I/O port Keel can drive */
};

/* Find the first table with signature `sig` that the RSDT or XSDT of
 * `rsdp` lists and whose length and checksum hold. Returns a mapping of
 * the whole table (its length at offset 4) and its address in *phys, or
 * NULL. Quiet: acpi_parse reports broken tables later. */
const uint8_t *acpi_find_table(const void *rsdp, size_t rsdp_len, const char *sig,
                               acpi_map_fn map, void *mctx, uint64_t *phys);

/* Decode a checked SPCR or DBG2 table of `len` bytes. Returns true when it
 * describes a serial port (out->usable then says whether Keel can drive
 * it); false, after a report, when it describes none or is malformed. */
bool acpi_spcr_parse(const uint8_t *t, size_t len, struct acpi_serial *out, report_fn report,
                     void *rctx);
bool acpi_dbg2_parse(const uint8_t *t, size_t len, struct acpi_serial *out, report_fn report,
                     void *rctx);

/* "16550", "16450", "16550 (GAS)", "ARM PL011", ... or "type 0x1234". */
const char *acpi_uart_subtype_name(uint16_t subtype, char *buf, size_t size);

#endif
