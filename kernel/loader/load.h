/* What the Multiboot loaders (kernel/loader/) share: the state of one load,
 * problem reports, where things may go in guest RAM, the memory map the
 * guest is told about, and the start state. Not for use outside
 * kernel/loader/; loader.h is the interface. */
#ifndef KEEL_LOADER_LOAD_H
#define KEEL_LOADER_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/string.h"
#include "kernel/loader/loader.h"

#define LOAD_PAGE 4096ull
#define LOAD_TOP_MAX ((1ull << 32) - 4096)  /* see load_init */
/* The PC memory map QEMU's BIOS gives, which the guest is told: 639 KiB of
 * conventional memory, then the EBDA, VGA and BIOS area up to 1 MiB. */
#define LOAD_LOW_END 0x9fc00ull
#define LOAD_BIOS_START 0xf0000ull
#define LOAD_HIGH_START 0x100000ull
#define LOAD_MIN_ADDR 0x1000ull         /* nothing placed in page 0 (as GRUB) */
#define LOAD_STACK_SIZE 4096ull
#define LOAD_REPORTS_MAX 8

/* A piece of the kernel: [base, base + len) in guest RAM, its first
 * `filesz` bytes from image offset `off`, the rest zero. */
struct load_seg {
    uint64_t base, len, off, filesz;
};

/* One memory-map entry, Multiboot type 1 (available) or 2 (reserved). */
struct load_region {
    uint64_t base, len;
    uint32_t type;
};
#define LOAD_REGIONS_MAX 4

struct load {
    const uint8_t *image;
    uint64_t size;
    uint8_t *ram;
    const struct loader_boot *boot;
    uint64_t top;                       /* RAM a 32-bit kernel reaches: min(mem, 4 GiB) */
    const char *proto;                  /* "Multiboot v1", "Multiboot2" */
    char what[40];                      /* "Multiboot v1 ELF32 kernel" */
    report_fn report;
    void *ctx;
    unsigned problems;
    struct load_seg seg[LOADER_SEGMENTS_MAX];
    unsigned nseg;
    uint64_t cursor;                    /* the first page after the kernel */
    uint64_t stack_top;
    uint32_t mod_at[LOADER_MODULES_MAX];
    struct loader_summary sum;
};

/* Little-endian fields of the image, read without alignment. The caller
 * has checked that the bytes are inside the image. */
static inline uint16_t load_rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint32_t load_rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint64_t load_rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline void load_wr32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static inline void load_wr64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

static inline uint64_t load_align(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Start a load; false (reported) when the guest's RAM cannot hold a
 * Multiboot kernel at all. */
bool load_init(struct load *l, enum loader_kind kind, const void *image, uint64_t size, void *ram,
               const struct loader_boot *boot, report_fn report, void *ctx);
/* "<proto> <format> kernel" for the messages, once the format is known. */
void load_set_format(struct load *l, const char *format);
/* One sentence about what is wrong, prefixed with what the image is. */
void load_problem(struct load *l, const char *fmt, ...) KEEL_PRINTF(2, 3);
/* -1, after saying how many problems were not shown. */
int load_fail(struct load *l);

/* Record a piece of the kernel after checking it lies in RAM, clear of
 * the reserved area, the RSDP and the pieces before it. */
bool load_add_seg(struct load *l, const char *name, const struct load_seg *s);
/* Copy every recorded piece into RAM; sets sum.low/high and the cursor. */
void load_copy_segs(struct load *l);
/* Whether `entry` lies inside a recorded piece (reported when not). */
bool load_entry_ok(struct load *l, const char *source, uint64_t entry);

/* The header's address fields (Multiboot v1 flag 16, Multiboot2 address
 * tag): one piece from the file, then zeroes up to bss_end_addr. */
bool load_address_fields(struct load *l, uint64_t header_off, uint32_t header_addr,
                         uint32_t load_addr, uint32_t load_end_addr, uint32_t bss_end_addr);

/* Where the modules (copied there, mod_at[]), `info_size` bytes of boot
 * information (*info) and the boot stack go: each page-aligned, in that
 * order, from the first page after the kernel, or else from 0x1000 when
 * that leaves the kernel clear; around the reserved area and the RSDP.
 * False (reported) when RAM is too small. */
bool load_layout(struct load *l, uint64_t info_size, uint64_t *info);

/* The memory map, mem_lower and mem_upper the guest is told. */
unsigned load_memory_map(const struct load *l, struct load_region *r);
uint32_t load_mem_lower_kib(void);
uint32_t load_mem_upper_kib(const struct load *l);

/* The boot stack, *start and *sum: 0, or -1 when problems were reported. */
int load_finish(struct load *l, uint32_t magic, uint64_t info, struct vcpu_start *start,
                struct loader_summary *sum);

/* Where the image's `kind` header is: its magic, aligned, in the first
 * bytes the specification names, with a right checksum (loader.c). */
bool load_find_header(enum loader_kind kind, const uint8_t *image, uint64_t size, uint64_t *off);
/* Report that there is no such header (LOADER_NONE: of either kind),
 * naming the first magic whose checksum is wrong. */
void load_report_missing(struct load *l, enum loader_kind kind);

/* ELF32/ELF64 program headers (elf.c): records the PT_LOAD segments and
 * sets sum.entry (physical) and sum.elf_class. */
bool load_elf(struct load *l);

#endif
