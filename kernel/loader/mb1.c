/* Multiboot v1 kernels (Multiboot Specification 0.6.96): the header's
 * requirements ("The magic fields of Multiboot header"), the image
 * by its address fields or its ELF program headers, and the information
 * handed over ("Boot information format"). */
#include "kernel/loader/load.h"

/* Header: magic, flags, checksum, then the address fields (flag 16) */
#define H_FLAGS 4
#define H_HEADER_ADDR 12
#define H_LOAD_ADDR 16
#define H_LOAD_END_ADDR 20
#define H_BSS_END_ADDR 24
#define H_ENTRY_ADDR 28
#define H_ADDRESS_END 32

/* Header flags. Bits 0-15 are requirements a loader that cannot meet them
 * must refuse; bits 16-31 are optional features. */
#define MB1_PAGE_ALIGN (1u << 0)        /* modules page-aligned: always */
#define MB1_MEMORY_INFO (1u << 1)       /* mem_*: always given */
#define MB1_VIDEO_MODE (1u << 2)        /* video mode table: none, as QEMU */
#define MB1_ADDRESS_FIELDS (1u << 16)
#define MB1_REQUIREMENTS 0xffffu
#define MB1_KNOWN (MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_VIDEO_MODE)

/* The information structure: offsets of its fields, and its flags */
#define I_FLAGS 0
#define I_MEM_LOWER 4
#define I_MEM_UPPER 8
#define I_CMDLINE 16
#define I_MODS_COUNT 20
#define I_MODS_ADDR 24
#define I_MMAP_LENGTH 44
#define I_MMAP_ADDR 48
#define I_BOOT_LOADER_NAME 64
#define I_SIZE 120                      /* 116 with the framebuffer fields, 8-aligned */
#define INFO_MEMORY (1u << 0)
#define INFO_CMDLINE (1u << 2)
#define INFO_MODS (1u << 3)
#define INFO_MMAP (1u << 6)
#define INFO_LOADER_NAME (1u << 9)

#define MOD_SIZE 16                     /* mod_start, mod_end, string, reserved */
#define MMAP_ENTRY 24                   /* size (20: without itself), base, length, type */

static uint64_t string_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static uint64_t info_size(const struct load *l, unsigned regions)
{
    const struct loader_boot *b = l->boot;
    uint64_t n = I_SIZE + (uint64_t)b->module_count * MOD_SIZE + regions * MMAP_ENTRY;
    n += string_size(b->cmdline) + string_size(b->loader_name);
    for (unsigned i = 0; i < b->module_count; i++)
        n += string_size(b->modules[i].string);
    return n;
}

/* Copy a string to the information block; its guest address (0: none). */
static uint32_t put_string(uint8_t *block, uint64_t gpa, uint64_t *at, const char *s)
{
    if (!s)
        return 0;
    uint64_t n = strlen(s) + 1;
    memcpy(block + *at, s, n);
    uint32_t where = (uint32_t)(gpa + *at);
    *at += n;
    return where;
}

/* The information structure, then the module list, the memory map, and
 * the strings, in one block at `gpa`. Boot device, symbols, drives, the
 * configuration table, APM and video are absent (their flags clear). */
static void write_info(struct load *l, uint64_t gpa, uint64_t size, const struct load_region *r,
                       unsigned regions)
{
    const struct loader_boot *b = l->boot;
    uint8_t *block = l->ram + gpa;
    uint64_t mods = I_SIZE, mmap = mods + (uint64_t)b->module_count * MOD_SIZE;
    uint64_t at = mmap + regions * MMAP_ENTRY;
    uint32_t flags = INFO_MEMORY | INFO_MODS | INFO_MMAP;

    memset(block, 0, size);
    load_wr32(block + I_MEM_LOWER, load_mem_lower_kib());
    load_wr32(block + I_MEM_UPPER, load_mem_upper_kib(l));
    if (b->cmdline) {
        flags |= INFO_CMDLINE;
        load_wr32(block + I_CMDLINE, put_string(block, gpa, &at, b->cmdline));
    }
    load_wr32(block + I_MODS_COUNT, b->module_count);
    load_wr32(block + I_MODS_ADDR, (uint32_t)(gpa + mods));
    for (unsigned i = 0; i < b->module_count; i++) {
        uint8_t *m = block + mods + i * MOD_SIZE;
        load_wr32(m, l->mod_at[i]);
        load_wr32(m + 4, (uint32_t)(l->mod_at[i] + b->modules[i].size));   /* first byte after */
        load_wr32(m + 8, put_string(block, gpa, &at, b->modules[i].string));
    }
    load_wr32(block + I_MMAP_LENGTH, regions * MMAP_ENTRY);
    load_wr32(block + I_MMAP_ADDR, (uint32_t)(gpa + mmap));
    for (unsigned i = 0; i < regions; i++) {
        uint8_t *e = block + mmap + i * MMAP_ENTRY;
        load_wr32(e, MMAP_ENTRY - 4);   /* "size": of the entry without itself */
        load_wr64(e + 4, r[i].base);
        load_wr64(e + 12, r[i].len);
        load_wr32(e + 20, r[i].type);
    }
    if (b->loader_name) {
        flags |= INFO_LOADER_NAME;
        load_wr32(block + I_BOOT_LOADER_NAME, put_string(block, gpa, &at, b->loader_name));
    }
    load_wr32(block + I_FLAGS, flags);
}

/* Bits 0-15 Keel cannot meet: one report each. */
static void check_flags(struct load *l, uint32_t flags)
{
    uint32_t unknown = flags & MB1_REQUIREMENTS & ~MB1_KNOWN;
    for (unsigned bit = 0; bit < 16; bit++)
        if (unknown & (1u << bit))
            load_problem(l, "its header flags 0x%08x require bit %u, which the specification "
                         "does not define and Keel cannot meet (it meets bits 0, 1 and 2)", flags,
                         bit);
}

int loader_load_mb1(const void *image, uint64_t size, void *ram, const struct loader_boot *boot,
                    struct vcpu_start *start, struct loader_summary *sum, report_fn report,
                    void *ctx)
{
    struct load l;
    uint64_t off, info;
    if (!load_init(&l, LOADER_MB1, image, size, ram, boot, report, ctx))
        return load_fail(&l);
    if (!load_find_header(LOADER_MB1, l.image, size, &off)) {
        load_report_missing(&l, LOADER_MB1);
        return load_fail(&l);
    }
    const uint8_t *h = l.image + off;
    uint32_t flags = load_rd32(h + H_FLAGS);
    check_flags(&l, flags);
    if (!(flags & MB1_ADDRESS_FIELDS)) {
        load_elf(&l);
    } else if (size - off < H_ADDRESS_END) {
        load_problem(&l, "its header at offset 0x%llx sets flag 16 (address fields), but the file "
                     "ends before them", (unsigned long long)off);
    } else if (load_address_fields(&l, off, load_rd32(h + H_HEADER_ADDR),
                                   load_rd32(h + H_LOAD_ADDR), load_rd32(h + H_LOAD_END_ADDR),
                                   load_rd32(h + H_BSS_END_ADDR))) {
        l.sum.entry = load_rd32(h + H_ENTRY_ADDR);
        load_entry_ok(&l, "entry_addr", l.sum.entry);
    }
    if (l.problems)
        return load_fail(&l);

    load_copy_segs(&l);
    struct load_region r[LOAD_REGIONS_MAX];
    unsigned regions = load_memory_map(&l, r);
    uint64_t n = info_size(&l, regions);
    if (!load_layout(&l, n, &info))
        return load_fail(&l);
    write_info(&l, info, n, r, regions);
    return load_finish(&l, LOADER_MB1_MAGIC, info, start, sum);
}
