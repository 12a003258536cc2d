/* Multiboot2 boot information → struct boot_info.
 *
 * The loader's information is input, not truth: every size is checked
 * against the space it claims before anything is read. A broken tag chain
 * (a size that is too small or runs past the end) makes the whole thing
 * unusable; a tag whose contents are wrong is reported and skipped, and the
 * rest is still used. Pure logic: also built into the host unit tests. */
#include "kernel/boot_info.h"
#include "kernel/multiboot2.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

#define MB2_INFO_MAX (1u << 20)     /* far more than any loader writes */

struct parser {
    struct boot_info *bi;
    report_fn report;
    void *ctx;
};

static uint32_t tag_min_size(uint32_t type)
{
    switch (type) {
#define X(name, num, min) case num: return min;
        MB2_TAGS(X)
#undef X
    default:
        return 8;
    }
}

static const char *tag_name(uint32_t type)
{
    switch (type) {
#define X(name, num, min) case num: return #name;
        MB2_TAGS(X)
#undef X
    default:
        return "unknown";
    }
}

/* A string field of `avail` bytes must hold its terminating NUL. */
static bool string_ok(const char *s, uint32_t avail)
{
    return strnlen(s, avail) < avail;
}

/* Copy a checked string, cutting at the last space that fits so an option
 * is never cut in half. Returns false when it had to cut. */
static bool copy_string(char *dst, uint32_t dst_size, const char *src)
{
    size_t n = strlen(src);
    if (n < dst_size) {
        memcpy(dst, src, n + 1);
        return true;
    }
    size_t cut = dst_size - 1;
    while (cut > 0 && src[cut] != ' ')
        cut--;
    memcpy(dst, src, cut);
    dst[cut] = '\0';
    return false;
}

static void parse_cmdline(struct parser *p, const struct mb2_tag *t)
{
    const char *s = (const char *)(t + 1);
    if (p->bi->have_cmdline) {
        reportf(p->report, p->ctx, "second command-line tag ignored");
        return;
    }
    p->bi->have_cmdline = true;
    if (!copy_string(p->bi->cmdline, sizeof(p->bi->cmdline), s))
        reportf(p->report, p->ctx, "command line is %zu bytes, longer than Keel's %zu: cut to its first %zu",
            strlen(s), sizeof(p->bi->cmdline) - 1, strlen(p->bi->cmdline));
}

static void parse_module(struct parser *p, const struct mb2_tag_module *m)
{
    struct boot_info *bi = p->bi;
    if (m->mod_end < m->mod_start) {
        reportf(p->report, p->ctx, "module at 0x%x ends before it starts (end 0x%x): ignored",
            m->mod_start, m->mod_end);
        return;
    }
    if (bi->module_count == BOOT_MODULES_MAX) {
        reportf(p->report, p->ctx, "more than %d modules: module at 0x%x ignored", BOOT_MODULES_MAX,
            m->mod_start);
        return;
    }
    struct boot_module *bm = &bi->modules[bi->module_count++];
    bm->start = m->mod_start;
    bm->end = m->mod_end;
    if (!copy_string(bm->cmdline, sizeof(bm->cmdline), m->cmdline))
        reportf(p->report, p->ctx, "module %u command line longer than %zu bytes: cut", bi->module_count - 1,
            sizeof(bm->cmdline) - 1);
}

static enum mem_type mem_type_from_mb2(uint32_t type)
{
    switch (type) {
    case MB2_MEMORY_AVAILABLE: return MEM_USABLE;
    case MB2_MEMORY_ACPI_RECLAIMABLE: return MEM_ACPI_RECLAIMABLE;
    case MB2_MEMORY_NVS: return MEM_ACPI_NVS;
    case MB2_MEMORY_BADRAM: return MEM_BAD;
    default: return MEM_RESERVED;
    }
}

static void parse_mmap(struct parser *p, const struct mb2_tag_mmap *t)
{
    struct boot_info *bi = p->bi;
    if (bi->mmap_count) {
        reportf(p->report, p->ctx, "second memory-map tag ignored");
        return;
    }
    if (t->entry_size < sizeof(struct mb2_mmap_entry) || t->entry_size % 8) {
        reportf(p->report, p->ctx, "memory map entry size %u is impossible (need >= %zu, multiple of 8): "
            "memory map ignored", t->entry_size, sizeof(struct mb2_mmap_entry));
        return;
    }
    uint32_t bytes = t->size - sizeof(*t);
    if (bytes % t->entry_size)
        reportf(p->report, p->ctx, "memory map has %u trailing bytes after its last whole entry",
            bytes % t->entry_size);
    uint32_t n = bytes / t->entry_size;
    const uint8_t *e = (const uint8_t *)(t + 1);
    for (uint32_t i = 0; i < n; i++, e += t->entry_size) {
        struct mb2_mmap_entry ent;
        memcpy(&ent, e, sizeof(ent));
        if (ent.length == 0)
            continue;
        if (ent.base_addr + ent.length < ent.base_addr) {
            reportf(p->report, p->ctx, "memory map entry %u (0x%llx + 0x%llx) wraps around: ignored", i,
                (unsigned long long)ent.base_addr, (unsigned long long)ent.length);
            continue;
        }
        if (bi->mmap_count == BOOT_MMAP_MAX) {
            reportf(p->report, p->ctx, "memory map has more than %d entries: entries from %u on ignored",
                BOOT_MMAP_MAX, i);
            break;
        }
        bi->mmap[bi->mmap_count++] = (struct mem_region){
            .base = ent.base_addr, .len = ent.length, .type = mem_type_from_mb2(ent.type),
        };
    }
}

static void parse_acpi(struct parser *p, const struct mb2_tag *t, bool is_new)
{
    struct boot_info *bi = p->bi;
    if (bi->rsdp_len && (bi->rsdp_new || !is_new))
        return;                 /* keep the new RSDP over the old one */
    uint32_t len = t->size - sizeof(*t);
    if (len > BOOT_RSDP_MAX)
        len = BOOT_RSDP_MAX;
    memcpy(bi->rsdp, t + 1, len);
    bi->rsdp_len = len;
    bi->rsdp_new = is_new;
}

static void parse_tag(struct parser *p, const struct mb2_tag *t)
{
    struct boot_info *bi = p->bi;
    uint32_t body = t->size - sizeof(*t);

    switch (t->type) {
    case MB2_TAG_CMDLINE:
        if (string_ok((const char *)(t + 1), body))
            parse_cmdline(p, t);
        else
            reportf(p->report, p->ctx, "command-line tag is not NUL-terminated: ignored");
        break;
    case MB2_TAG_LOADER_NAME:
        if (string_ok((const char *)(t + 1), body))
            copy_string(bi->loader, sizeof(bi->loader), (const char *)(t + 1));
        else
            reportf(p->report, p->ctx, "loader-name tag is not NUL-terminated: ignored");
        break;
    case MB2_TAG_MODULE: {
        const struct mb2_tag_module *m = (const void *)t;
        if (string_ok(m->cmdline, t->size - sizeof(*m)))
            parse_module(p, m);
        else
            reportf(p->report, p->ctx, "module tag at 0x%x has no NUL-terminated command line: ignored",
                m->mod_start);
        break;
    }
    case MB2_TAG_BASIC_MEMINFO: {
        const struct mb2_tag_basic_meminfo *m = (const void *)t;
        bi->have_meminfo = true;
        bi->mem_lower_kib = m->mem_lower;
        bi->mem_upper_kib = m->mem_upper;
        break;
    }
    case MB2_TAG_MMAP:
        parse_mmap(p, (const void *)t);
        break;
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW:
        parse_acpi(p, t, t->type == MB2_TAG_ACPI_NEW);
        break;
    case MB2_TAG_EFI32:
    case MB2_TAG_EFI64:
        bi->efi = true;
        break;
    default:
        break;                  /* tags Keel does not use */
    }
}

int mb2_parse(const void *mbi, uint64_t mbi_phys, struct boot_info *bi,
              report_fn report, void *ctx)
{
    struct parser p = { bi, report, ctx };
    const uint8_t *base = mbi;

    memset(bi, 0, sizeof(*bi));
    bi->mbi_phys = mbi_phys;
    if (mbi_phys % 8) {
        reportf(p.report, p.ctx, "boot information at 0x%llx is not 8-byte aligned",
            (unsigned long long)mbi_phys);
        return -1;
    }
    const struct mb2_info_header *h = mbi;
    if (h->total_size < sizeof(*h) + sizeof(struct mb2_tag) || h->total_size > MB2_INFO_MAX) {
        reportf(p.report, p.ctx, "boot information total size %u is impossible (need %zu..%u)",
            h->total_size, sizeof(*h) + sizeof(struct mb2_tag), MB2_INFO_MAX);
        return -1;
    }
    bi->mbi_size = h->total_size;

    uint32_t off = sizeof(*h);
    while (off + sizeof(struct mb2_tag) <= h->total_size) {
        const struct mb2_tag *t = (const void *)(base + off);
        if (t->size < sizeof(*t) || t->size > h->total_size - off) {
            reportf(p.report, p.ctx, "tag %u (%s) at offset %u has size %u, outside 8..%u: "
                "boot information is corrupt", t->type, tag_name(t->type), off, t->size,
                h->total_size - off);
            return -1;
        }
        if (t->type == MB2_TAG_END)
            return 0;
        if (t->size < tag_min_size(t->type))
            reportf(p.report, p.ctx, "tag %u (%s) at offset %u has size %u, less than its %u: ignored",
                t->type, tag_name(t->type), off, t->size, tag_min_size(t->type));
        else
            parse_tag(&p, t);
        off += (t->size + 7) & ~7u;
    }
    reportf(p.report, p.ctx, "boot information has no end tag within its %u bytes", h->total_size);
    return -1;
}

const char *mem_type_name(enum mem_type type)
{
    switch (type) {
    case MEM_USABLE: return "usable";
    case MEM_RESERVED: return "reserved";
    case MEM_ACPI_RECLAIMABLE: return "ACPI data";
    case MEM_ACPI_NVS: return "ACPI NVS";
    case MEM_BAD: return "bad";
    }
    return "?";
}
