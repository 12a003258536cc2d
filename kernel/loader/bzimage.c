/* Linux bzImages (bzimage.h), by the Linux x86 boot protocol: "The
 * Real-Mode Kernel Header" for what the image says, "32-bit Boot
 * Protocol" and "64-bit Boot Protocol" for the start, zero-page.rst for
 * boot_params. Every check is made before RAM is touched; the image is
 * hostile input, so every sum of its numbers is checked before it is
 * used as an address. */
#include <stdarg.h>

#include "kernel/loader/bzimage.h"
#include "kernel/lib/string.h"

/* The setup header: offsets in the file, the same in boot_params. */
#define SH_START 0x1f1                  /* setup_sects, the header's first byte */
#define SH_SYSSIZE 0x1f4                /* u32 (2.04+): 16-byte paragraphs */
#define SH_VID_MODE 0x1fa               /* u16, modify (obligatory) */
#define SH_JUMP 0x200                   /* 0xeb, then the header's length - 2 */
#define SH_HEADER 0x202                 /* "HdrS" */
#define SH_VERSION 0x206
#define SH_KERNEL_VERSION 0x20e         /* u16: string at this + 0x200 */
#define SH_TYPE_OF_LOADER 0x210
#define SH_LOADFLAGS 0x211
#define SH_CODE32_START 0x214
#define SH_RAMDISK_IMAGE 0x218
#define SH_RAMDISK_SIZE 0x21c
#define SH_CMD_LINE_PTR 0x228
#define SH_INITRD_ADDR_MAX 0x22c
#define SH_KERNEL_ALIGNMENT 0x230
#define SH_RELOCATABLE_KERNEL 0x234
#define SH_XLOADFLAGS 0x236             /* 2.12+ */
#define SH_CMDLINE_SIZE 0x238
#define SH_HARDWARE_SUBARCH 0x23c
#define SH_HARDWARE_SUBARCH_DATA 0x240
#define SH_SETUP_DATA 0x250
#define SH_PREF_ADDRESS 0x258
#define SH_INIT_SIZE 0x260
#define SH_END_2_10 0x264               /* the header up to init_size */

#define LOADED_HIGH (1u << 0)           /* loadflags: a bzImage */
#define LOADFLAGS_WRITE 0xe0u           /* QUIET, KEEP_SEGMENTS, CAN_USE_HEAP: Keel sets none */
#define XLF_KERNEL_64 (1u << 0)         /* the 64-bit entry at 0x200 */
#define ENTRY64_OFFSET 0x200
#define VID_MODE_NORMAL 0xffff          /* vga=normal */
#define TYPE_OF_LOADER_UNDEFINED 0xff   /* no assigned boot loader ID */
#define PROTOCOL_2_12 0x020c

/* boot_params ("zero page", zero-page.rst) */
#define BP_SIZE 4096
#define BP_ACPI_RSDP_ADDR 0x070         /* u64: Linux 5.0 on reads it; before, padding */
#define BP_ALT_MEM_K 0x1e0
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR_END 0x290                /* the setup header's room ends here */
#define BP_E820_TABLE 0x2d0
#define E820_ENTRY 20                   /* u64 addr, u64 size, u32 type */
#define E820_RAM 1
#define E820_RESERVED 2
_Static_assert(BP_E820_TABLE + BZIMAGE_E820_MAX * E820_ENTRY == 0xcd0, "e820_table ends at 0xcd0");

/* The PC's memory map, as loader.h gives it */
#define MAP_LOW_END 0x9fc00ull
#define MAP_BIOS_START 0xf0000ull
#define HIGH 0x100000ull                /* 1 MiB: where a bzImage loads */
#define GiB4 (1ull << 32)
#define PAGE 4096ull
#define MAP_MAX 8                       /* 4 regions, the ACPI area splits one in 3 */

/* Descriptors (SDM "Segment Descriptors"): flat 4 GiB, present, DPL 0,
 * accessed (so the CPU never writes them back). */
#define GDT_CODE64 0x00af9b000000ffffull   /* L: 64-bit code */
#define GDT_CODE32 0x00cf9b000000ffffull   /* D/B: 32-bit code */
#define GDT_DATA 0x00cf93000000ffffull
#define PTE_P_RW 0x3ull
#define PTE_PS 0x80ull                      /* a 2 MiB page, in a PD */
_Static_assert(BZIMAGE_PML4 + 6 * PAGE == BZIMAGE_PT_END, "PML4, PDPT, 4 PDs");
_Static_assert(BZIMAGE_PT_END < BZIMAGE_STACK_TOP && BZIMAGE_STACK_TOP <= BZIMAGE_BOOT_PARAMS &&
               BZIMAGE_BOOT_PARAMS + BP_SIZE <= BZIMAGE_CMDLINE, "low structures apart");

struct region {
    uint64_t base, end;
    uint32_t type;
};

struct bz {
    const uint8_t *img;
    uint64_t size;
    const struct bzimage_boot *boot;
    report_fn report;
    void *ctx;
    unsigned problems;
    const char *what;                   /* "image", then "Linux bzImage" */
    uint64_t top;                       /* min(RAM, 4 GiB) */
    uint64_t setup_size, pm_size, cmdline_len;
    struct bzimage_summary sum;
};

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void wr16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void wr32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void wr64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void problem(struct bz *b, const char *fmt, ...) KEEL_PRINTF(2, 3);
static void problem(struct bz *b, const char *fmt, ...)
{
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    b->problems++;
    reportf(b->report, b->ctx, "%s: %s", b->what, msg);
}

static bool overlap(uint64_t b1, uint64_t e1, uint64_t b2, uint64_t e2)
{
    return b1 < e2 && b2 < e1;
}

/* [base, base + len) below `top`, without overflow. */
static bool below(uint64_t base, uint64_t len, uint64_t top)
{
    return len <= top && base <= top - len;
}

static uint64_t acpi_end(const struct bzimage_boot *bt)
{
    return bt->acpi_base + bt->acpi_size < bt->acpi_base ? UINT64_MAX
                                                         : bt->acpi_base + bt->acpi_size;
}

static bool bad_acpi_overlap(struct bz *b, const char *name, uint64_t base, uint64_t end)
{
    const struct bzimage_boot *bt = b->boot;
    if (!bt->acpi_size || !overlap(base, end, bt->acpi_base, acpi_end(bt)))
        return false;
    problem(b, "%s at 0x%llx-0x%llx would cover the guest's ACPI tables at 0x%llx-0x%llx", name,
            (unsigned long long)base, (unsigned long long)end,
            (unsigned long long)bt->acpi_base, (unsigned long long)acpi_end(bt));
    return true;
}

bool bzimage_probe(const void *image, uint64_t size)
{
    return size >= SH_HEADER + 4 && !memcmp((const uint8_t *)image + SH_HEADER, "HdrS", 4);
}

/* The header's kernel_version string, its first word, when it lies
 * inside the setup code and is printable. */
static void kernel_version(struct bz *b)
{
    uint64_t at = (uint64_t)rd16(b->img + SH_KERNEL_VERSION) + 0x200;
    char *out = b->sum.kernel_version;
    unsigned n = 0;
    if (at == 0x200)
        return;
    while (at < b->setup_size && n + 1 < sizeof(b->sum.kernel_version)) {
        uint8_t c = b->img[at++];
        if (c <= ' ' || c > '~')
            break;
        out[n++] = (char)c;
    }
    out[n] = '\0';
}

/* What the header says, as far as Keel can use it; false (reported) when
 * it cannot, and nothing more can be checked. */
static bool check_header(struct bz *b)
{
    const uint8_t *h = b->img;
    if (b->size < SH_HEADER + 4) {
        problem(b, "is not a Linux bzImage: at %llu bytes, it ends before the boot protocol's "
                "\"HdrS\" signature at offset 0x202", (unsigned long long)b->size);
        return false;
    }
    if (memcmp(h + SH_HEADER, "HdrS", 4)) {
        problem(b, "is not a Linux bzImage: it has no \"HdrS\" signature at offset 0x202, which "
                "the Linux x86 boot protocol (2.00 and later) puts there");
        return false;
    }
    b->what = "Linux bzImage";
    uint16_t version = b->size >= SH_VERSION + 2 ? rd16(h + SH_VERSION) : 0;
    b->sum.version = version;
    if (version < BZIMAGE_PROTOCOL_MIN) {
        problem(b, "speaks boot protocol %u.%02u; Keel needs 2.10 or later (Linux 2.6.31 on), "
                "whose header gives init_size and pref_address", version >> 8, version & 0xff);
        return false;
    }
    uint64_t end = SH_HEADER + (uint64_t)h[SH_JUMP + 1];
    if (end < SH_END_2_10 || b->size < SH_END_2_10) {
        problem(b, "its setup header ends at offset 0x%llx, before the end of the protocol 2.10 "
                "fields at 0x%x", (unsigned long long)(end < b->size ? end : b->size),
                SH_END_2_10);
        return false;
    }
    if (!(h[SH_LOADFLAGS] & LOADED_HIGH)) {
        problem(b, "is a zImage (loadflags bit 0, LOADED_HIGH, is clear), which loads at 0x10000; "
                "Keel loads only bzImages, which load at 1 MiB");
        return false;
    }
    unsigned sects = h[SH_START] ? h[SH_START] : 4;     /* 0 means 4 */
    b->setup_size = (sects + 1ull) * 512;
    if (b->setup_size >= b->size) {
        problem(b, "its setup code (setup_sects %u: %llu bytes) reaches the end of the file "
                "(%llu bytes): no protected-mode kernel follows", sects,
                (unsigned long long)b->setup_size, (unsigned long long)b->size);
        return false;
    }
    b->pm_size = b->size - b->setup_size;
    uint64_t sys = (uint64_t)rd32(h + SH_SYSSIZE) * 16;
    if (sys > b->pm_size) {
        problem(b, "is cut short: its syssize says %llu bytes of protected-mode kernel, and the "
                "file holds %llu after its setup code", (unsigned long long)sys,
                (unsigned long long)b->pm_size);
        return false;
    }
    b->sum.entry64 = version >= PROTOCOL_2_12 && (rd16(h + SH_XLOADFLAGS) & XLF_KERNEL_64);
    if (b->sum.entry64 && b->pm_size <= ENTRY64_OFFSET) {
        problem(b, "its 64-bit entry at offset 0x200 (XLF_KERNEL_64) lies past the end of its "
                "%llu-byte protected-mode kernel", (unsigned long long)b->pm_size);
        return false;
    }
    b->sum.relocatable = h[SH_RELOCATABLE_KERNEL] != 0;
    kernel_version(b);
    return true;
}

/* Where the kernel loads and runs ("init_size": the runtime start). */
static bool place_kernel(struct bz *b)
{
    const uint8_t *h = b->img;
    uint64_t pref = rd64(h + SH_PREF_ADDRESS), init = rd32(h + SH_INIT_SIZE);
    uint32_t align = rd32(h + SH_KERNEL_ALIGNMENT);
    struct bzimage_summary *s = &b->sum;
    char ram[16];
    fmt_size(ram, sizeof(ram), b->boot->mem);
    if (s->relocatable) {
        if (!align || (align & (align - 1))) {
            problem(b, "its kernel_alignment 0x%x is not a power of two, which a relocatable "
                    "kernel's must be", align);
            return false;
        }
        /* Loaded below pref_address, the kernel would move itself up to
         * it anyway: load it there. */
        uint64_t want = pref > HIGH ? pref : HIGH;
        if (want > b->top) {
            problem(b, "prefers to run at 0x%llx (pref_address), beyond the guest's %s of RAM "
                    "(all of it below 4 GiB counts)", (unsigned long long)pref, ram);
            return false;
        }
        s->load = s->run = (want + align - 1) & ~(uint64_t)(align - 1);
        if (!below(s->run, init, b->top) || !below(s->load, b->pm_size, b->top)) {
            uint64_t need = s->run + (init > b->pm_size ? init : b->pm_size);
            problem(b, "needs 0x%llx-0x%llx (pref_address 0x%llx, kernel_alignment 0x%x, init_size "
                    "0x%llx), beyond the guest's %s of RAM: give it at least %llu MiB", (unsigned long long)s->run, (unsigned long long)need,
                    (unsigned long long)pref, align, (unsigned long long)init, ram,
                    (unsigned long long)((need + (1ull << 20) - 1) >> 20));
            return false;
        }
    } else {
        /* Not relocatable: loaded at 1 MiB, it moves itself to
         * pref_address ("A non-relocatable kernel will unconditionally
         * move itself and to run at this address"). */
        s->load = HIGH;
        s->run = pref ? pref : HIGH;
        if (s->run < HIGH || !below(s->run, init, b->top)) {
            problem(b, "is not relocatable and runs at 0x%llx-0x%llx (pref_address, init_size), "
                    "outside the guest's RAM from 1 MiB to 0x%llx", (unsigned long long)s->run,
                    (unsigned long long)(s->run + init < s->run ? UINT64_MAX : s->run + init),
                    (unsigned long long)b->top);
            return false;
        }
        if (!below(s->load, b->pm_size, b->top)) {
            problem(b, "its %llu-byte protected-mode kernel does not fit at 1 MiB in the guest's "
                    "%s of RAM", (unsigned long long)b->pm_size, ram);
            return false;
        }
    }
    s->load_end = s->load + b->pm_size;
    s->run_end = s->run + init;
    s->entry = s->load + (s->entry64 ? ENTRY64_OFFSET : 0);
    bool bad = bad_acpi_overlap(b, "the kernel", s->load, s->load_end);
    return !bad && !bad_acpi_overlap(b, "the kernel's init_size", s->run, s->run_end);
}

static bool check_cmdline(struct bz *b)
{
    const char *c = b->boot->cmdline;
    uint32_t max = rd32(b->img + SH_CMDLINE_SIZE);
    b->cmdline_len = c ? strlen(c) : 0;
    if (b->cmdline_len > max) {
        problem(b, "its command line is %llu characters, more than the %u its header allows "
                "(cmdline_size)", (unsigned long long)b->cmdline_len, max);
        return false;
    }
    if (b->cmdline_len >= BZIMAGE_LOW_END - BZIMAGE_CMDLINE) {
        problem(b, "its command line is %llu characters, more than fit from 0x%llx to 0x%llx",
                (unsigned long long)b->cmdline_len, BZIMAGE_CMDLINE, BZIMAGE_LOW_END);
        return false;
    }
    b->sum.cmdline = BZIMAGE_CMDLINE;
    b->sum.boot_params = BZIMAGE_BOOT_PARAMS;
    return !bad_acpi_overlap(b, "the boot structures (GDT, page tables, boot_params, command "
                             "line)", BZIMAGE_GDT, BZIMAGE_CMDLINE + b->cmdline_len + 1);
}

/* The initrd's bytes: the modules, each but the last padded to 4 bytes.
 * UINT64_MAX when that does not fit in 4 GiB at all. */
static uint64_t initrd_size(const struct bzimage_boot *bt)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < bt->initrd_count; i++) {
        uint64_t s = bt->initrds[i].size;
        if (s > GiB4)
            return UINT64_MAX;
        n += i + 1 < bt->initrd_count ? (s + 3) & ~3ull : s;
        if (n > GiB4)
            return UINT64_MAX;
    }
    return n;
}

/* "ramdisk_image": the highest page-aligned place below the limit that
 * keeps clear of the kernel (as loaded and as it runs) and the ACPI
 * tables. Each conflict lowers the limit to the start of what is in the
 * way, so this ends. */
static bool place_initrd(struct bz *b)
{
    const struct bzimage_boot *bt = b->boot;
    struct bzimage_summary *s = &b->sum;
    uint64_t size = initrd_size(bt);
    uint64_t max = (uint64_t)rd32(b->img + SH_INITRD_ADDR_MAX) + 1;
    uint64_t limit = max < b->top ? max : b->top;
    if (!size)
        return true;
    const struct region avoid[] = {
        { s->load, s->load_end, 0 },
        { s->run, s->run_end, 0 },
        { bt->acpi_size ? bt->acpi_base : 0, bt->acpi_size ? acpi_end(bt) : 0, 0 },
    };
    uint64_t top = limit;
    while (size != UINT64_MAX && size <= top && top - size >= HIGH) {
        uint64_t at = (top - size) & ~(PAGE - 1), lowest = top;
        for (unsigned i = 0; i < sizeof(avoid) / sizeof(avoid[0]); i++)
            if (overlap(at, at + size, avoid[i].base, avoid[i].end) && avoid[i].base < lowest)
                lowest = avoid[i].base;
        if (lowest == top && at >= HIGH) {
            s->initrd = at;
            s->initrd_size = size;
            return true;
        }
        if (lowest == top)
            break;
        top = lowest;
    }
    char ram[16];
    problem(b, "its initrd (%llu bytes) does not fit between 1 MiB and 0x%llx (initrd_addr_max + 1, "
            "the end of its %s of RAM or 4 GiB) clear of the kernel at 0x%llx-0x%llx",
            size == UINT64_MAX ? 0ull : (unsigned long long)size, (unsigned long long)limit,
            fmt_size(ram, sizeof(ram), bt->mem),
            (unsigned long long)(s->load < s->run ? s->load : s->run),
            (unsigned long long)(s->load_end > s->run_end ? s->load_end : s->run_end));
    return false;
}

/* The memory map: the PC's, with the ACPI area reserved and cut out of
 * whatever it overlaps. Sorted, entries apart. */
static unsigned memory_map(const struct bzimage_boot *bt, struct region *r)
{
    struct region pc[4];
    unsigned n = 0, out = 0;
    pc[n++] = (struct region){ 0, MAP_LOW_END, E820_RAM };
    pc[n++] = (struct region){ MAP_LOW_END, 0xa0000, E820_RESERVED };
    pc[n++] = (struct region){ MAP_BIOS_START, HIGH, E820_RESERVED };
    if (bt->mem > HIGH)
        pc[n++] = (struct region){ HIGH, bt->mem, E820_RAM };
    const struct region acpi = { bt->acpi_base, acpi_end(bt), E820_RESERVED };
    bool placed = !bt->acpi_size;
    for (unsigned i = 0; i < n; i++) {
        const struct region *e = &pc[i];
        if (!placed && acpi.base < e->base) {
            r[out++] = acpi;
            placed = true;
        }
        if (!bt->acpi_size || !overlap(acpi.base, acpi.end, e->base, e->end)) {
            r[out++] = *e;
            continue;
        }
        if (e->base < acpi.base)
            r[out++] = (struct region){ e->base, acpi.base, e->type };
        if (!placed)
            r[out++] = acpi;
        placed = true;
        if (acpi.end < e->end)
            r[out++] = (struct region){ acpi.end, e->end, e->type };
    }
    if (!placed)
        r[out++] = acpi;
    return out;
}

static void write_gdt_and_page_tables(struct bz *b, uint8_t *ram)
{
    memset(ram + BZIMAGE_GDT, 0, BZIMAGE_PT_END - BZIMAGE_GDT);
    wr64(ram + BZIMAGE_GDT + BZIMAGE_BOOT_CS, b->sum.entry64 ? GDT_CODE64 : GDT_CODE32);
    wr64(ram + BZIMAGE_GDT + BZIMAGE_BOOT_DS, GDT_DATA);
    b->sum.gdt_base = BZIMAGE_GDT;
    b->sum.gdt_limit = BZIMAGE_GDT_LIMIT;
    b->sum.cs = BZIMAGE_BOOT_CS;
    b->sum.ds = BZIMAGE_BOOT_DS;
    if (!b->sum.entry64)
        return;
    /* 0-4 GiB: everything the loader placed, whatever the guest's RAM */
    uint64_t pdpt = BZIMAGE_PML4 + PAGE, pd = pdpt + PAGE;
    wr64(ram + BZIMAGE_PML4, pdpt | PTE_P_RW);
    for (uint64_t g = 0; g < 4; g++) {
        wr64(ram + pdpt + 8 * g, (pd + g * PAGE) | PTE_P_RW);
        for (uint64_t i = 0; i < 512; i++)
            wr64(ram + pd + g * PAGE + 8 * i, ((g << 30) + (i << 21)) | PTE_P_RW | PTE_PS);
    }
    b->sum.cr3 = BZIMAGE_PML4;
}

static void write_boot_params(struct bz *b, uint8_t *ram)
{
    const struct bzimage_boot *bt = b->boot;
    const struct bzimage_summary *s = &b->sum;
    uint8_t *bp = ram + BZIMAGE_BOOT_PARAMS;
    memset(bp, 0, BP_SIZE);
    /* "the setup header at offset 0x01f1 of kernel image on should be
     * loaded into struct boot_params", up to its end (0x202 + the jump's
     * byte), which its room in boot_params bounds. */
    uint64_t end = SH_HEADER + (uint64_t)b->img[SH_JUMP + 1];
    end = end < BP_HDR_END ? end : BP_HDR_END;
    memcpy(bp + SH_START, b->img + SH_START, end - SH_START);
    wr16(bp + SH_VID_MODE, VID_MODE_NORMAL);
    bp[SH_TYPE_OF_LOADER] = TYPE_OF_LOADER_UNDEFINED;
    bp[SH_LOADFLAGS] &= (uint8_t)~LOADFLAGS_WRITE;
    wr32(bp + SH_CODE32_START, (uint32_t)s->load);
    wr32(bp + SH_RAMDISK_IMAGE, (uint32_t)s->initrd);
    wr32(bp + SH_RAMDISK_SIZE, (uint32_t)s->initrd_size);
    wr32(bp + SH_CMD_LINE_PTR, (uint32_t)s->cmdline);
    wr32(bp + SH_HARDWARE_SUBARCH, 0);              /* the default x86/PC */
    wr64(bp + SH_HARDWARE_SUBARCH_DATA, 0);
    wr64(bp + SH_SETUP_DATA, 0);                    /* no setup_data list */
    wr64(bp + BP_ACPI_RSDP_ADDR, bt->rsdp_gpa);
    uint64_t kib = bt->mem > HIGH ? (bt->mem - HIGH) >> 10 : 0;
    wr32(bp + BP_ALT_MEM_K, kib > UINT32_MAX ? UINT32_MAX : (uint32_t)kib);
    struct region r[MAP_MAX];
    unsigned n = memory_map(bt, r);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = bp + BP_E820_TABLE + i * E820_ENTRY;
        wr64(e, r[i].base);
        wr64(e + 8, r[i].end - r[i].base);
        wr32(e + 16, r[i].type);
    }
    bp[BP_E820_ENTRIES] = (uint8_t)n;
    b->sum.e820_entries = n;
}

static void write_initrd(const struct bz *b, uint8_t *ram)
{
    const struct bzimage_boot *bt = b->boot;
    uint64_t at = b->sum.initrd;
    for (unsigned i = 0; i < bt->initrd_count && b->sum.initrd_size; i++) {
        uint64_t s = bt->initrds[i].size, pad = i + 1 < bt->initrd_count ? ((s + 3) & ~3ull) - s : 0;
        memcpy(ram + at, bt->initrds[i].data, s);
        memset(ram + at + s, 0, pad);
        at += s + pad;
    }
}

int bzimage_load(const void *image, uint64_t size, void *ram_, const struct bzimage_boot *boot,
                 struct vcpu_start *start, struct bzimage_summary *sum, report_fn report,
                 void *ctx)
{
    struct bz b = {
        .img = image, .size = size, .boot = boot, .report = report, .ctx = ctx, .what = "image",
        .top = boot->mem < GiB4 ? boot->mem : GiB4,
    };
    uint8_t *ram = ram_;
    if (!check_header(&b))
        return -1;
    check_cmdline(&b);
    if (place_kernel(&b))
        place_initrd(&b);
    if (b.problems)
        return -1;

    memcpy(ram + b.sum.load, b.img + b.setup_size, b.pm_size);
    write_gdt_and_page_tables(&b, ram);
    memset(ram + BZIMAGE_STACK_TOP - PAGE, 0, PAGE);
    write_boot_params(&b, ram);
    memcpy(ram + BZIMAGE_CMDLINE, boot->cmdline ? boot->cmdline : "", b.cmdline_len + 1);
    write_initrd(&b, ram);

    /* "64-bit Boot Protocol" / "32-bit Boot Protocol": CS __BOOT_CS, the
     * data segments __BOOT_DS (sum->ds, for the caller), interrupts off,
     * RSI/ESI boot_params; EBP, EDI, EBX zero. */
    *start = (struct vcpu_start){
        .mode = b.sum.entry64 ? GUEST_LONG64 : GUEST_PROT32, .rip = b.sum.entry,
        .rsp = BZIMAGE_STACK_TOP, .cr3 = b.sum.cr3, .cs_selector = BZIMAGE_BOOT_CS,
        .activity = VCPU_ACTIVE,
    };
    start->regs.rsi = BZIMAGE_BOOT_PARAMS;
    if (sum)
        *sum = b.sum;
    return 0;
}

const char *bzimage_describe(const struct bzimage_summary *s, char *buf, size_t size)
{
    char initrd[48] = "";
    if (s->initrd_size)
        ksnprintf(initrd, sizeof(initrd), ", initrd 0x%llx-0x%llx", (unsigned long long)s->initrd,
                  (unsigned long long)(s->initrd + s->initrd_size));
    ksnprintf(buf, size, "Linux %s%sbzImage (protocol %u.%02u), 0x%llx-0x%llx, %s entry 0x%llx%s",
              s->kernel_version, *s->kernel_version ? " " : "", s->version >> 8, s->version & 0xff,
              (unsigned long long)s->load, (unsigned long long)s->load_end,
              s->entry64 ? "64-bit" : "32-bit", (unsigned long long)s->entry, initrd);
    return buf;
}
