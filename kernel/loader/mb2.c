/* Multiboot2 kernels (Multiboot2 Specification, version 2.0): the header
 * and its tags ("OS image format"), the image by its address tag or
 * its ELF program headers, and the boot information ("Boot
 * information"). Keel's guests boot as on a PC with a BIOS and no display:
 * what only EFI or a screen could give is "not available", which the
 * specification lets a loader leave out. */
#include "kernel/loader/load.h"
#include "kernel/multiboot2.h"

#define H_ARCHITECTURE 4
#define H_HEADER_LENGTH 8
#define H_TAGS 16
#define ARCH_I386 0
#define MB2_SEARCH 32768
#define TAG_OPTIONAL 1                  /* header tag flags bit 0 */
#define CONSOLE_REQUIRED 1              /* console_flags bit 0 */

/* Header tags ("General tag structure" on): name, type, size */
#define HEADER_TAGS(X)                                  \
    X(END,            0,  8)                            \
    X(INFO_REQUEST,   1,  8)                            \
    X(ADDRESS,        2, 24)                            \
    X(ENTRY,          3, 12)                            \
    X(CONSOLE_FLAGS,  4, 12)                            \
    X(FRAMEBUFFER,    5, 20)                            \
    X(MODULE_ALIGN,   6,  8)                            \
    X(EFI_BS,         7,  8)                            \
    X(ENTRY_EFI32,    8, 12)                            \
    X(ENTRY_EFI64,    9, 12)                            \
    X(RELOCATABLE,   10, 24)

enum header_tag {
#define X(name, num, min) HT_##name = num,
    HEADER_TAGS(X)
#undef X
    HT_COUNT
};

static const struct { const char *name; uint32_t min; } header_tags[] = {
#define X(name, num, min) [num] = { #name, min },
    HEADER_TAGS(X)
#undef X
};

/* What the header asks for. */
struct header {
    bool address, entry, relocatable, reloc_required;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
    uint32_t entry_addr, min_addr, max_addr, align;
};

/* "Multiboot2 information request": a required request must be one
 * the loader knows; what it knows but cannot have (a framebuffer, EFI,
 * ...) is left out and the kernel still starts. Keel does not give ELF
 * sections (9), so a kernel that requires them is refused. */
static void check_request(struct load *l, uint32_t type)
{
    if (type == MB2_TAG_ELF_SECTIONS)
        load_problem(l, "requires the ELF section headers (information request 9), which Keel does "
                     "not give");
    else if (type > MB2_TAG_LOAD_BASE_ADDR)
        load_problem(l, "requires information tag %u, which Keel does not know", type);
}

static void header_tag(struct load *l, struct header *h, const uint8_t *t, uint16_t type,
                       bool optional, uint32_t size)
{
    switch (type) {
    case HT_INFO_REQUEST:
        for (uint32_t i = 8; !optional && i + 4 <= size; i += 4)
            check_request(l, load_rd32(t + i));
        break;
    case HT_ADDRESS:
        h->address = true;
        h->header_addr = load_rd32(t + 8);
        h->load_addr = load_rd32(t + 12);
        h->load_end_addr = load_rd32(t + 16);
        h->bss_end_addr = load_rd32(t + 20);
        break;
    case HT_ENTRY:
        h->entry = true;
        h->entry_addr = load_rd32(t + 8);
        break;
    case HT_CONSOLE_FLAGS:
        if (!optional && (load_rd32(t + 8) & CONSOLE_REQUIRED))
            load_problem(l, "requires a console (console flags tag), and Keel gives its guests "
                         "neither EGA text nor a framebuffer");
        break;
    case HT_RELOCATABLE:
        h->relocatable = true;
        h->reloc_required = !optional;
        h->min_addr = load_rd32(t + 8);
        h->max_addr = load_rd32(t + 12);
        h->align = load_rd32(t + 16);
        break;
    case HT_FRAMEBUFFER:                /* a preferred mode: there is no screen */
    case HT_MODULE_ALIGN:               /* modules are always page-aligned */
    case HT_EFI_BS:                     /* EFI tags count only on EFI platforms */
    case HT_ENTRY_EFI32:
    case HT_ENTRY_EFI64:
        break;
    default:
        if (!optional)
            load_problem(l, "its header has tag type %u, which Keel does not know, not marked "
                         "optional", type);
        break;
    }
}

/* The fixed part, then every tag up to the end tag; false when the header
 * cannot be read (what it requires may still be refused after true). */
static bool parse_header(struct load *l, uint64_t off, struct header *h)
{
    const uint8_t *p = l->image + off;
    uint32_t arch = load_rd32(p + H_ARCHITECTURE), len = load_rd32(p + H_HEADER_LENGTH);
    if (arch != ARCH_I386) {
        load_problem(l, "its header is for architecture %u%s, not 0 (i386 protected mode)", arch,
                     arch == 4 ? " (MIPS)" : "");
        return false;
    }
    if (len < H_TAGS + 8 || len > l->size - off || len > MB2_SEARCH - off) {
        load_problem(l, "its header_length %u at offset 0x%llx is wrong: the header (with its "
                     "end tag, 24 bytes or more) must lie within the file and its first 32768 "
                     "bytes", len, (unsigned long long)off);
        return false;
    }
    uint64_t at = H_TAGS;
    while (at < len && len - at >= 8) {
        const uint8_t *t = p + at;
        uint16_t type = load_rd16(t), flags = load_rd16(t + 2);
        uint32_t size = load_rd32(t + 4);
        if (size < 8 || size > len - at) {
            load_problem(l, "its header tag %u at offset 0x%llx has size %u, outside 8..%llu", type,
                         (unsigned long long)(off + at), size, (unsigned long long)(len - at));
            return false;
        }
        if (type == HT_END)
            return true;
        if (type < HT_COUNT && size < header_tags[type].min)
            load_problem(l, "its header tag %u (%s) has size %u, less than its %u bytes", type,
                         header_tags[type].name, size, header_tags[type].min);
        else
            header_tag(l, h, t, type, flags & TAG_OPTIONAL, size);
        at += load_align(size, 8);
    }
    load_problem(l, "its header has no end tag within its header_length of %u bytes", len);
    return false;
}

/* The boot information, written at `p` (NULL: only measured). */
struct out {
    uint8_t *p;
    uint64_t len;
};

static void put(struct out *o, const void *src, uint64_t n)
{
    if (o->p)
        memcpy(o->p + o->len, src, n);
    o->len += n;
}

static void put32(struct out *o, uint32_t v)
{
    put(o, &v, sizeof(v));
}

static void put64(struct out *o, uint64_t v)
{
    put(o, &v, sizeof(v));
}

static uint64_t tag_open(struct out *o, uint32_t type)
{
    uint64_t at = o->len;
    put32(o, type);
    put32(o, 0);                        /* size: tag_close */
    return at;
}

/* The size, then zeroes to the next 8-byte boundary ("Basic tags
 * structure"). */
static void tag_close(struct out *o, uint64_t at)
{
    static const uint8_t zero[8];
    if (o->p)
        load_wr32(o->p + at + 4, (uint32_t)(o->len - at));
    put(o, zero, load_align(o->len, 8) - o->len);
}

static void string_tag(struct out *o, uint32_t type, const char *s)
{
    uint64_t t = tag_open(o, type);
    put(o, s, strlen(s) + 1);
    tag_close(o, t);
}

static void write_info(struct load *l, struct out *o, const struct header *h)
{
    const struct loader_boot *b = l->boot;
    struct load_region r[LOAD_REGIONS_MAX];
    unsigned regions = load_memory_map(l, r);

    put32(o, 0);                        /* total_size: below */
    put32(o, 0);                        /* reserved */
    string_tag(o, MB2_TAG_CMDLINE, b->cmdline ? b->cmdline : "");
    if (b->loader_name)
        string_tag(o, MB2_TAG_LOADER_NAME, b->loader_name);
    for (unsigned i = 0; i < b->module_count; i++) {
        uint64_t t = tag_open(o, MB2_TAG_MODULE);
        put32(o, l->mod_at[i]);
        put32(o, (uint32_t)(l->mod_at[i] + b->modules[i].size));   /* first byte after */
        const char *s = b->modules[i].string ? b->modules[i].string : "";
        put(o, s, strlen(s) + 1);
        tag_close(o, t);
    }
    uint64_t t = tag_open(o, MB2_TAG_BASIC_MEMINFO);
    put32(o, load_mem_lower_kib());
    put32(o, load_mem_upper_kib(l));
    tag_close(o, t);
    t = tag_open(o, MB2_TAG_MMAP);
    put32(o, sizeof(struct mb2_mmap_entry));
    put32(o, 0);                        /* entry_version */
    for (unsigned i = 0; i < regions; i++) {
        put64(o, r[i].base);
        put64(o, r[i].len);
        put32(o, r[i].type);
        put32(o, 0);
    }
    tag_close(o, t);
    /* ACPI: the RSDP's first 20 bytes are the ACPI 1.0 RSDP; an ACPI 2.0+
     * RSDP goes whole into the new tag as well (GRUB gives both). */
    if (b->rsdp && b->rsdp_size >= 20) {
        t = tag_open(o, MB2_TAG_ACPI_OLD);
        put(o, b->rsdp, 20);
        tag_close(o, t);
    }
    if (b->rsdp && b->rsdp_size >= 36) {
        t = tag_open(o, MB2_TAG_ACPI_NEW);
        put(o, b->rsdp, b->rsdp_size);
        tag_close(o, t);
    }
    if (h->relocatable) {               /* "given only if the image has a relocatable tag" */
        t = tag_open(o, MB2_TAG_LOAD_BASE_ADDR);
        put32(o, (uint32_t)l->sum.low);
        tag_close(o, t);
    }
    t = tag_open(o, MB2_TAG_END);
    tag_close(o, t);
    if (o->p)
        load_wr32(o->p, (uint32_t)o->len);
}

/* The image itself: by the address tag (whose entry must come from the
 * entry address tag, as GRUB insists) or by ELF; the entry address tag
 * overrides e_entry. */
static void load_image(struct load *l, uint64_t off, const struct header *h)
{
    if (h->address && !h->entry) {
        load_problem(l, "has an address tag but no entry address tag to say where it starts");
        return;
    }
    if (h->address) {
        uint32_t load_addr = h->load_addr;
        if (load_addr == UINT32_MAX) {  /* -1: load the file from its beginning */
            if (h->header_addr < off) {
                load_problem(l, "its header_addr 0x%x is below its own file offset 0x%llx",
                             h->header_addr, (unsigned long long)off);
                return;
            }
            load_addr = h->header_addr - (uint32_t)off;
        }
        if (!load_address_fields(l, off, h->header_addr, load_addr, h->load_end_addr,
                                 h->bss_end_addr))
            return;
    } else if (!load_elf(l)) {
        return;
    }
    if (h->entry) {
        l->sum.entry = h->entry_addr;
        load_entry_ok(l, "entry address tag", h->entry_addr);
    }
}

/* "Relocatable header tag": Keel loads at the link addresses; a
 * kernel that requires a range they are not in is refused. */
static void check_relocatable(struct load *l, const struct header *h)
{
    if (h->reloc_required && (l->sum.low < h->min_addr || l->sum.high > h->max_addr ||
                              (h->align && l->sum.low % h->align))) {
        load_problem(l, "must be loaded within 0x%x-0x%x aligned to 0x%x, but Keel loads it where "
                     "it is linked, 0x%llx-0x%llx", h->min_addr, h->max_addr, h->align,
                     (unsigned long long)l->sum.low, (unsigned long long)l->sum.high);
    }
}

int loader_load_mb2(const void *image, uint64_t size, void *ram, const struct loader_boot *boot,
                    struct vcpu_start *start, struct loader_summary *sum, report_fn report,
                    void *ctx)
{
    struct load l;
    struct header h = { 0 };
    uint64_t off, info;
    if (!load_init(&l, LOADER_MB2, image, size, ram, boot, report, ctx))
        return load_fail(&l);
    if (!load_find_header(LOADER_MB2, l.image, size, &off)) {
        load_report_missing(&l, LOADER_MB2);
        return load_fail(&l);
    }
    if (parse_header(&l, off, &h))
        load_image(&l, off, &h);
    if (l.problems)
        return load_fail(&l);

    load_copy_segs(&l);
    check_relocatable(&l, &h);
    struct out measure = { NULL, 0 };
    write_info(&l, &measure, &h);
    if (l.problems || !load_layout(&l, measure.len, &info))
        return load_fail(&l);
    struct out o = { l.ram + info, 0 };
    write_info(&l, &o, &h);
    return load_finish(&l, LOADER_MB2_MAGIC, info, start, sum);
}
