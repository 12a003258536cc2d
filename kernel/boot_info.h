/* What the boot loader told Keel, parsed once and checked (kernel/mb2.c).
 * Nothing outside kernel/ reads Multiboot2 structures: they use this. */
#ifndef KEEL_BOOT_INFO_H
#define KEEL_BOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

#define BOOT_CMDLINE_MAX     1024
#define BOOT_LOADER_MAX      64
#define BOOT_MMAP_MAX        128
#define BOOT_MODULES_MAX     32
#define BOOT_MOD_CMDLINE_MAX 2048    /* options and a 1023-byte kernel command line */
#define BOOT_RSDP_MAX        36

enum mem_type {
    MEM_USABLE = 1,
    MEM_RESERVED,
    MEM_ACPI_RECLAIMABLE,
    MEM_ACPI_NVS,
    MEM_BAD,
};

struct mem_region {
    uint64_t base;
    uint64_t len;
    enum mem_type type;
};

struct boot_module {
    uint64_t start;             /* physical, first byte */
    uint64_t end;               /* physical, one past the last byte */
    char cmdline[BOOT_MOD_CMDLINE_MAX];
};

struct boot_info {
    uint64_t mbi_phys;          /* where the loader's information lies */
    uint32_t mbi_size;

    bool have_cmdline;
    char cmdline[BOOT_CMDLINE_MAX];
    char loader[BOOT_LOADER_MAX];

    struct mem_region mmap[BOOT_MMAP_MAX];
    uint32_t mmap_count;

    struct boot_module modules[BOOT_MODULES_MAX];
    uint32_t module_count;

    /* ACPI RSDP copied from the loader's tag: the new (ACPI 2.0+) tag is
     * preferred over the old one when both are present. */
    uint8_t rsdp[BOOT_RSDP_MAX];
    uint32_t rsdp_len;          /* 0: no ACPI tag */
    bool rsdp_new;              /* from the ACPI 2.0+ tag */

    bool have_meminfo;
    uint32_t mem_lower_kib, mem_upper_kib;

    bool efi;                   /* firmware was UEFI (EFI system table tag) */
};

/* Called for each problem found in the loader's information; the parser
 * goes on where it safely can. */

/* Parse the Multiboot2 information at `mbi` (physical address `mbi_phys`).
 * Returns 0, or -1 when the information cannot be used at all (a report
 * says why). `bi` is filled either way with what could be trusted. */
int mb2_parse(const void *mbi, uint64_t mbi_phys, struct boot_info *bi,
              report_fn report, void *ctx);

const char *mem_type_name(enum mem_type type);

#endif
