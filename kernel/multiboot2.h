/* Multiboot2 boot information, as the Multiboot2 specification defines it
 * ("Boot information format"). Only kernel/mb2.c reads these structures;
 * everything else uses struct boot_info. */
#ifndef KEEL_MULTIBOOT2_H
#define KEEL_MULTIBOOT2_H

#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Tag types, X-macro: MB2_TAG(name, number, minimum size in bytes) */
#define MB2_TAGS(X)                         \
    X(END,             0,  8)               \
    X(CMDLINE,         1,  9)               \
    X(LOADER_NAME,     2,  9)               \
    X(MODULE,          3, 17)               \
    X(BASIC_MEMINFO,   4, 16)               \
    X(BOOTDEV,         5, 20)               \
    X(MMAP,            6, 16)               \
    X(VBE,             7, 784)              \
    X(FRAMEBUFFER,     8, 31)               \
    X(ELF_SECTIONS,    9, 20)               \
    X(APM,            10, 28)               \
    X(EFI32,          11, 12)               \
    X(EFI64,          12, 16)               \
    X(SMBIOS,         13, 16)               \
    X(ACPI_OLD,       14, 8 + 20)           \
    X(ACPI_NEW,       15, 8 + 36)           \
    X(NETWORK,        16, 8)                \
    X(EFI_MMAP,       17, 16)               \
    X(EFI_BS,         18, 8)                \
    X(EFI32_IH,       19, 12)               \
    X(EFI64_IH,       20, 16)               \
    X(LOAD_BASE_ADDR, 21, 12)

enum mb2_tag_type {
#define X(name, num, min) MB2_TAG_##name = num,
    MB2_TAGS(X)
#undef X
};

struct mb2_info_header {
    uint32_t total_size;
    uint32_t reserved;
};

struct mb2_tag {
    uint32_t type;
    uint32_t size;
};

struct mb2_tag_module {
    uint32_t type, size;
    uint32_t mod_start, mod_end;
    char cmdline[];
};

struct mb2_tag_basic_meminfo {
    uint32_t type, size;
    uint32_t mem_lower, mem_upper;      /* KiB */
};

struct mb2_tag_mmap {
    uint32_t type, size;
    uint32_t entry_size, entry_version;
    /* entries follow */
};

struct mb2_mmap_entry {
    uint64_t base_addr, length;
    uint32_t type, reserved;
};

/* Memory map entry types */
#define MB2_MEMORY_AVAILABLE        1
#define MB2_MEMORY_RESERVED         2
#define MB2_MEMORY_ACPI_RECLAIMABLE 3
#define MB2_MEMORY_NVS              4
#define MB2_MEMORY_BADRAM           5

#endif
