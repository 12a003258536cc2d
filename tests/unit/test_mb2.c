// unit: kernel/mb2.c kernel/lib/fmt.c
#include "kernel/boot_info.h"
#include "kernel/multiboot2.h"
#include "unit.h"

/* Builds Multiboot2 boot information the way a loader lays it out. */
struct mbb {
    uint8_t buf[65536];
    uint32_t len;
};

static void mbb_init(struct mbb *b)
{
    memset(b, 0, sizeof(*b));
    b->len = 8;
}

static void *mbb_tag(struct mbb *b, uint32_t type, uint32_t size)
{
    struct mb2_tag *t = (struct mb2_tag *)(b->buf + b->len);
    t->type = type;
    t->size = size;
    b->len += (size + 7) & ~7u;
    return t;
}

static void mbb_string(struct mbb *b, uint32_t type, const char *s)
{
    uint32_t size = 8 + (uint32_t)strlen(s) + 1;
    memcpy((char *)mbb_tag(b, type, size) + 8, s, strlen(s) + 1);
}

static void mbb_module(struct mbb *b, uint32_t start, uint32_t end, const char *cmd)
{
    struct mb2_tag_module *m = mbb_tag(b, MB2_TAG_MODULE, 16 + (uint32_t)strlen(cmd) + 1);
    m->mod_start = start;
    m->mod_end = end;
    strcpy(m->cmdline, cmd);
}

static void mbb_mmap(struct mbb *b, uint32_t entry_size, int n, const struct mb2_mmap_entry *e)
{
    struct mb2_tag_mmap *t = mbb_tag(b, MB2_TAG_MMAP, 16 + entry_size * (uint32_t)n);
    t->entry_size = entry_size;
    for (int i = 0; i < n; i++)
        memcpy((uint8_t *)(t + 1) + i * entry_size, &e[i], sizeof(e[i]));
}

/* End tag, total size; returns a heap copy of exactly that size. */
static void *mbb_finish(struct mbb *b, int with_end)
{
    if (with_end)
        mbb_tag(b, MB2_TAG_END, 8);
    ((struct mb2_info_header *)b->buf)->total_size = b->len;
    void *p = aligned_alloc(8, b->len);
    memcpy(p, b->buf, b->len);
    return p;
}

static struct boot_info bi;
static struct reports rep;
static struct mbb b;

static int parse(void *mbi)
{
    memset(&rep, 0, sizeof(rep));
    int r = mb2_parse(mbi, 0x10000, &bi, collect_report, &rep);
    free(mbi);
    return r;
}

static const struct mb2_mmap_entry qemu_map[] = {
    { 0x0, 0x9fc00, MB2_MEMORY_AVAILABLE, 0 },
    { 0x9fc00, 0x400, MB2_MEMORY_RESERVED, 0 },
    { 0x100000, 0xfee0000, MB2_MEMORY_AVAILABLE, 0 },
    { 0xffe0000, 0x20000, MB2_MEMORY_ACPI_RECLAIMABLE, 0 },
    { 0xfffc0000, 0x40000, 7 /* unknown: reserved */, 0 },
};

TEST(full_information_parsed)
{
    mbb_init(&b);
    mbb_string(&b, MB2_TAG_CMDLINE, "loglvl=debug console=com1");
    mbb_string(&b, MB2_TAG_LOADER_NAME, "GRUB 2.06");
    mbb_module(&b, 0x200000, 0x201000, "name=guest0 mode=64");
    mbb_module(&b, 0x300000, 0x300000, "");
    mbb_mmap(&b, 24, 5, qemu_map);
    struct mb2_tag_basic_meminfo *mi = mbb_tag(&b, MB2_TAG_BASIC_MEMINFO, 16);
    mi->mem_lower = 639;
    mi->mem_upper = 261120;
    uint8_t *old = mbb_tag(&b, MB2_TAG_ACPI_OLD, 8 + 20);
    memcpy(old + 8, "RSD PTR \x00OLDOEM", 15);
    uint8_t *new = mbb_tag(&b, MB2_TAG_ACPI_NEW, 8 + 36);
    memcpy(new + 8, "RSD PTR \x00NEWOEM", 15);
    mbb_tag(&b, MB2_TAG_EFI64, 16);
    mbb_tag(&b, 99, 12);                        /* unknown tag: skipped */
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(rep.n, 0);
    CHECK(bi.have_cmdline);
    CHECK_STR(bi.cmdline, "loglvl=debug console=com1");
    CHECK_STR(bi.loader, "GRUB 2.06");
    CHECK_EQ(bi.module_count, 2);
    CHECK_EQ(bi.modules[0].start, 0x200000);
    CHECK_EQ(bi.modules[0].end, 0x201000);
    CHECK_STR(bi.modules[0].cmdline, "name=guest0 mode=64");
    CHECK_STR(bi.modules[1].cmdline, "");
    CHECK_EQ(bi.mmap_count, 5);
    CHECK_EQ(bi.mmap[2].base, 0x100000);
    CHECK_EQ(bi.mmap[2].len, 0xfee0000);
    CHECK_EQ(bi.mmap[2].type, MEM_USABLE);
    CHECK_EQ(bi.mmap[3].type, MEM_ACPI_RECLAIMABLE);
    CHECK_EQ(bi.mmap[4].type, MEM_RESERVED);
    CHECK(bi.have_meminfo);
    CHECK_EQ(bi.mem_upper_kib, 261120);
    CHECK(bi.rsdp_new);                         /* the ACPI 2.0+ tag wins */
    CHECK_EQ(bi.rsdp_len, 36);
    CHECK(!memcmp(bi.rsdp + 9, "NEWOEM", 6));
    CHECK(bi.efi);
    CHECK_EQ(bi.mbi_phys, 0x10000);
    CHECK_EQ(bi.mbi_size, b.len);
}

TEST(new_rsdp_kept_when_old_comes_after)
{
    mbb_init(&b);
    uint8_t *new = mbb_tag(&b, MB2_TAG_ACPI_NEW, 8 + 36);
    memcpy(new + 8, "RSD PTR \x00NEWOEM", 15);
    uint8_t *old = mbb_tag(&b, MB2_TAG_ACPI_OLD, 8 + 20);
    memcpy(old + 8, "RSD PTR \x00OLDOEM", 15);
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK(bi.rsdp_new);
    CHECK(!memcmp(bi.rsdp + 9, "NEWOEM", 6));
    CHECK(!bi.efi);
}

TEST(minimal_information_is_fine)
{
    mbb_init(&b);
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(rep.n, 0);
    CHECK(!bi.have_cmdline);
    CHECK_EQ(bi.mmap_count, 0);
    CHECK_EQ(bi.rsdp_len, 0);
}

TEST(impossible_total_size_rejected)
{
    uint32_t *p = aligned_alloc(8, 8);
    p[0] = 8;                                   /* no room for an end tag */
    p[1] = 0;
    CHECK_EQ(parse(p), -1);
    CHECK_HAS(rep.msg[0], "total size 8 is impossible");

    p = aligned_alloc(8, 16);
    p[0] = 2u << 20;                            /* 2 MiB: no loader does that */
    CHECK_EQ(parse(p), -1);
    CHECK_HAS(rep.msg[0], "total size 2097152 is impossible");
}

TEST(misaligned_information_rejected)
{
    mbb_init(&b);
    memset(&rep, 0, sizeof(rep));
    void *p = mbb_finish(&b, 1);
    CHECK_EQ(mb2_parse(p, 0x10004, &bi, collect_report, &rep), -1);
    free(p);
    CHECK_HAS(rep.msg[0], "not 8-byte aligned");
}

TEST(tag_smaller_than_header_is_corrupt)
{
    mbb_init(&b);
    mbb_string(&b, MB2_TAG_CMDLINE, "ok");
    struct mb2_tag *t = mbb_tag(&b, MB2_TAG_MODULE, 8);
    t->size = 4;
    CHECK_EQ(parse(mbb_finish(&b, 1)), -1);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(rep.msg[0], "tag 3 (MODULE) at offset 24 has size 4, outside 8..");
    CHECK_HAS(rep.msg[0], "corrupt");
    CHECK_STR(bi.cmdline, "ok");                /* what came before was parsed */
}

TEST(tag_running_past_the_end_is_corrupt)
{
    mbb_init(&b);
    struct mb2_tag *t = mbb_tag(&b, MB2_TAG_CMDLINE, 16);
    memcpy(t + 1, "abc", 4);
    void *p = mbb_finish(&b, 1);
    ((struct mb2_tag *)((uint8_t *)p + 8))->size = 4096;
    CHECK_EQ(parse(p), -1);
    CHECK_HAS(rep.msg[0], "has size 4096, outside 8..24");
}

TEST(missing_end_tag_rejected)
{
    mbb_init(&b);
    mbb_string(&b, MB2_TAG_CMDLINE, "x");
    CHECK_EQ(parse(mbb_finish(&b, 0)), -1);
    CHECK_HAS(rep.msg[0], "no end tag");
}

TEST(unterminated_strings_ignored)
{
    mbb_init(&b);
    char *c = mbb_tag(&b, MB2_TAG_CMDLINE, 8 + 4);
    memcpy(c + 8, "abcd", 4);                   /* no NUL inside the tag */
    char *l = mbb_tag(&b, MB2_TAG_LOADER_NAME, 8 + 2);
    memcpy(l + 8, "GR", 2);
    struct mb2_tag_module *m = mbb_tag(&b, MB2_TAG_MODULE, 16 + 3);
    m->mod_start = 0x1000;
    m->mod_end = 0x2000;
    memcpy(m->cmdline, "abc", 3);
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(rep.n, 3);
    CHECK_HAS(rep.msg[0], "command-line tag is not NUL-terminated");
    CHECK_HAS(rep.msg[1], "loader-name tag is not NUL-terminated");
    CHECK_HAS(rep.msg[2], "module tag at 0x1000 has no NUL-terminated command line");
    CHECK(!bi.have_cmdline);
    CHECK_STR(bi.loader, "");
    CHECK_EQ(bi.module_count, 0);
}

TEST(tag_below_minimum_size_ignored)
{
    mbb_init(&b);
    mbb_tag(&b, MB2_TAG_ACPI_NEW, 8 + 20);      /* an ACPI 2.0 RSDP is 36 bytes */
    mbb_tag(&b, MB2_TAG_BASIC_MEMINFO, 12);
    mbb_string(&b, MB2_TAG_CMDLINE, "still=parsed");
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[0], "tag 15 (ACPI_NEW) at offset 8 has size 28, less than its 44: ignored");
    CHECK_HAS(rep.msg[1], "(BASIC_MEMINFO)");
    CHECK_EQ(bi.rsdp_len, 0);
    CHECK(!bi.have_meminfo);
    CHECK_STR(bi.cmdline, "still=parsed");
}

TEST(impossible_mmap_entry_size_ignored)
{
    mbb_init(&b);
    mbb_mmap(&b, 20, 2, qemu_map);              /* smaller than an entry */
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_HAS(rep.msg[0], "memory map entry size 20 is impossible");
    CHECK_EQ(bi.mmap_count, 0);

    mbb_init(&b);
    mbb_mmap(&b, 28, 2, qemu_map);              /* not a multiple of 8 */
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_HAS(rep.msg[0], "entry size 28 is impossible");
}

TEST(mmap_larger_entries_and_trailing_bytes)
{
    mbb_init(&b);
    struct mb2_tag_mmap *t = mbb_tag(&b, MB2_TAG_MMAP, 16 + 2 * 32 + 8);
    t->entry_size = 32;                         /* a future, larger entry */
    memcpy((uint8_t *)(t + 1), &qemu_map[0], 24);
    memcpy((uint8_t *)(t + 1) + 32, &qemu_map[2], 24);
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(bi.mmap_count, 2);
    CHECK_EQ(bi.mmap[1].base, 0x100000);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(rep.msg[0], "8 trailing bytes");
}

TEST(mmap_wrapping_and_empty_entries_dropped)
{
    struct mb2_mmap_entry e[] = {
        { 0xfffffffffffff000ull, 0x2000, MB2_MEMORY_AVAILABLE, 0 },
        { 0x100000, 0, MB2_MEMORY_AVAILABLE, 0 },
        { 0x100000, 0x100000, MB2_MEMORY_BADRAM, 0 },
    };
    mbb_init(&b);
    mbb_mmap(&b, 24, 3, e);
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(rep.msg[0], "entry 0 (0xfffffffffffff000 + 0x2000) wraps around");
    CHECK_EQ(bi.mmap_count, 1);
    CHECK_EQ(bi.mmap[0].type, MEM_BAD);
}

TEST(mmap_too_many_entries_reported)
{
    static struct mb2_mmap_entry e[BOOT_MMAP_MAX + 3];
    for (int i = 0; i < BOOT_MMAP_MAX + 3; i++)
        e[i] = (struct mb2_mmap_entry){ (uint64_t)i << 20, 1 << 20, MB2_MEMORY_AVAILABLE, 0 };
    mbb_init(&b);
    mbb_mmap(&b, 24, BOOT_MMAP_MAX + 3, e);
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(bi.mmap_count, BOOT_MMAP_MAX);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(rep.msg[0], "more than 128 entries: entries from 128 on ignored");
}

TEST(module_ending_before_start_ignored)
{
    mbb_init(&b);
    mbb_module(&b, 0x5000, 0x4000, "bad");
    mbb_module(&b, 0x6000, 0x7000, "good");
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(bi.module_count, 1);
    CHECK_STR(bi.modules[0].cmdline, "good");
    CHECK_HAS(rep.msg[0], "module at 0x5000 ends before it starts");
}

TEST(too_many_modules_reported)
{
    mbb_init(&b);
    for (int i = 0; i < BOOT_MODULES_MAX + 1; i++)
        mbb_module(&b, 0x100000u * (unsigned)(i + 1), 0x100000u * (unsigned)(i + 1) + 10, "m");
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(bi.module_count, BOOT_MODULES_MAX);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(rep.msg[0], "more than 32 modules: module at 0x2100000 ignored");
}

TEST(long_command_line_cut_at_a_whole_option)
{
    char line[BOOT_CMDLINE_MAX + 100];
    memset(line, 'a', sizeof(line));
    line[BOOT_CMDLINE_MAX - 10] = ' ';          /* last space that fits */
    line[sizeof(line) - 1] = '\0';
    mbb_init(&b);
    mbb_string(&b, MB2_TAG_CMDLINE, line);
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 10);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(rep.msg[0], "command line is 1123 bytes, longer than Keel's 1023: cut to its first 1014");
}

TEST(second_cmdline_and_mmap_ignored)
{
    mbb_init(&b);
    mbb_string(&b, MB2_TAG_CMDLINE, "first");
    mbb_string(&b, MB2_TAG_CMDLINE, "second");
    mbb_mmap(&b, 24, 1, qemu_map);
    mbb_mmap(&b, 24, 2, qemu_map);
    CHECK_EQ(parse(mbb_finish(&b, 1)), 0);
    CHECK_STR(bi.cmdline, "first");
    CHECK_EQ(bi.mmap_count, 1);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[0], "second command-line tag ignored");
    CHECK_HAS(rep.msg[1], "second memory-map tag ignored");
}

/* Every truncation of valid information must be rejected or parsed
 * without reading past its end (ASan watches the exact-size buffer). */
TEST(every_truncation_is_safe)
{
    mbb_init(&b);
    mbb_string(&b, MB2_TAG_CMDLINE, "loglvl=debug");
    mbb_module(&b, 0x200000, 0x201000, "name=g");
    mbb_mmap(&b, 24, 5, qemu_map);
    mbb_tag(&b, MB2_TAG_ACPI_NEW, 8 + 36);
    void *full = mbb_finish(&b, 1);
    uint32_t total = b.len;
    for (uint32_t n = 8; n < total; n += 4) {
        uint8_t *p = aligned_alloc(8, (n + 7) & ~7u);
        memcpy(p, full, n);
        ((struct mb2_info_header *)p)->total_size = n;
        CHECK_EQ(parse(p), -1);                 /* the end tag is always cut off */
    }
    free(full);
}
