/* Which Multiboot protocol an image speaks (loader.h), and the one entry
 * point that loads it. The headers are found as the specifications say:
 * Multiboot "The layout of Multiboot header" (magic 0x1BADB002,
 * 32-bit aligned, within the first 8192 bytes; magic + flags + checksum =
 * 0) and Multiboot2 "OS image format" (magic 0xE85250D6, 64-bit
 * aligned, within the first 32768 bytes; magic + architecture +
 * header_length + checksum = 0). */
#include "kernel/loader/load.h"
#include "kernel/loader/bzimage.h"

#define MB1_HEADER_MAGIC 0x1badb002u
#define MB2_HEADER_MAGIC 0xe85250d6u

struct header_form {
    const char *name;
    uint32_t magic;
    uint64_t search, align, fixed;      /* bytes searched, alignment, fixed part */
};

static const struct header_form forms[] = {
    [LOADER_MB1] = { "Multiboot v1", MB1_HEADER_MAGIC, 8192, 4, 12 },
    [LOADER_MB2] = { "Multiboot2", MB2_HEADER_MAGIC, 32768, 8, 16 },
};

/* The 32-bit sum of the fixed part: 0 for a real header. */
static uint32_t header_sum(const struct header_form *f, const uint8_t *p)
{
    uint32_t sum = 0;
    for (uint64_t i = 0; i < f->fixed; i += 4)
        sum += load_rd32(p + i);
    return sum;
}

/* The first offset with the magic and, when `checked`, a right checksum. */
static bool scan(enum loader_kind kind, const uint8_t *image, uint64_t size, bool checked,
                 uint64_t *off)
{
    const struct header_form *f = &forms[kind];
    uint64_t limit = size < f->search ? size : f->search;
    for (uint64_t at = 0; at + f->fixed <= limit; at += f->align) {
        if (load_rd32(image + at) != f->magic)
            continue;
        if (!checked || header_sum(f, image + at) == 0) {
            *off = at;
            return true;
        }
    }
    return false;
}

bool load_find_header(enum loader_kind kind, const uint8_t *image, uint64_t size, uint64_t *off)
{
    return kind != LOADER_NONE && scan(kind, image, size, true, off);
}

void load_report_missing(struct load *l, enum loader_kind kind)
{
    uint64_t off;
    if (kind == LOADER_NONE)
        load_problem(l, "has neither a Multiboot v1 header (magic 0x1badb002, 4-aligned in its "
                     "first 8 KiB) nor a Multiboot2 header (magic 0xe85250d6, 8-aligned in its "
                     "first 32 KiB)");
    else
        load_problem(l, "has no %s header: magic 0x%08x, %llu-aligned in its first %llu bytes, "
                     "with a checksum that makes its fields sum to 0", forms[kind].name,
                     forms[kind].magic, (unsigned long long)forms[kind].align,
                     (unsigned long long)forms[kind].search);
    for (int k = LOADER_MB1; k <= LOADER_MB2; k++) {
        const struct header_form *f = &forms[k];
        if ((kind == LOADER_NONE || kind == (enum loader_kind)k) &&
            scan((enum loader_kind)k, l->image, l->size, false, &off)) {
            uint32_t sum = header_sum(f, l->image + off);
            uint32_t checksum = load_rd32(l->image + off + f->fixed - 4);
            load_problem(l, "its %s magic at offset 0x%llx has checksum 0x%08x, where 0x%08x would "
                         "make the header's fields sum to 0", f->name, (unsigned long long)off,
                         checksum, checksum - sum);
        }
    }
}

enum loader_kind loader_probe(const void *image, uint64_t size)
{
    uint64_t off;
    /* Multiboot2 first: a kernel with both headers gets the newer
     * protocol, as GRUB's multiboot2 command would give it. */
    if (load_find_header(LOADER_MB2, image, size, &off))
        return LOADER_MB2;
    if (load_find_header(LOADER_MB1, image, size, &off))
        return LOADER_MB1;
    return LOADER_NONE;
}

const char *loader_foreign(const void *image, uint64_t size)
{
    const uint8_t *b = image;
    uint64_t off;
    if (loader_probe(image, size) != LOADER_NONE)
        return NULL;                    /* a loader takes it */
    if (size >= 5 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F')
        return b[4] == 2 ? "an ELF64 file" : b[4] == 1 ? "an ELF32 file" : "an ELF file";
    if (bzimage_probe(image, size))
        return "a Linux kernel (bzImage)";
    for (int k = LOADER_MB1; k <= LOADER_MB2; k++)
        if (scan((enum loader_kind)k, image, size, false, &off))
            return "an image with a broken Multiboot header";
    return NULL;
}

int loader_load(const void *image, uint64_t size, void *ram, const struct loader_boot *boot,
                struct vcpu_start *start, struct loader_summary *sum, report_fn report, void *ctx)
{
    switch (loader_probe(image, size)) {
    case LOADER_MB2:
        return loader_load_mb2(image, size, ram, boot, start, sum, report, ctx);
    case LOADER_MB1:
        return loader_load_mb1(image, size, ram, boot, start, sum, report, ctx);
    case LOADER_NONE:
        break;
    }
    struct load l = { .image = image, .size = size, .boot = boot, .report = report, .ctx = ctx };
    load_set_format(&l, NULL);
    const char *what = loader_foreign(image, size);
    if (what)
        ksnprintf(l.what, sizeof(l.what), "%s", what);
    load_report_missing(&l, LOADER_NONE);
    return load_fail(&l);
}

const char *loader_kind_name(enum loader_kind kind)
{
    switch (kind) {
    case LOADER_NONE: return "not Multiboot";
    case LOADER_MB1: return "Multiboot v1";
    case LOADER_MB2: return "Multiboot2";
    }
    return "?";
}

const char *loader_describe(const struct loader_summary *s, char *buf, size_t size)
{
    char format[24];
    if (s->elf_class)
        ksnprintf(format, sizeof(format), "ELF%u kernel", s->elf_class);
    else
        ksnprintf(format, sizeof(format), "kernel (address fields)");
    ksnprintf(buf, size, "%s %s, 0x%llx-0x%llx, entry 0x%llx, information at 0x%llx",
              loader_kind_name(s->kind), format, (unsigned long long)s->low,
              (unsigned long long)s->high, (unsigned long long)s->entry,
              (unsigned long long)s->info);
    return buf;
}
