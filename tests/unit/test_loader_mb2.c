// unit: kernel/loader/loader.c kernel/loader/load.c kernel/loader/elf.c kernel/loader/mb1.c kernel/loader/mb2.c kernel/loader/bzimage.c kernel/mb2.c kernel/lib/fmt.c
/* Multiboot2 kernels: header tags, the image, and the boot information,
 * which Keel's own Multiboot2 parser (kernel/mb2.c) must read back
 * without a complaint. */
#include "kernel/boot_info.h"
#include "kernel/multiboot2.h"
#include "loader_images.h"

#define MiB (1ull << 20)
#define OPT 1                           /* header tag flag: optional */

static struct img m;
static struct mb2h h;
static struct boot_info bi;
static struct reports parse_rep;

/* The kernel of kernel32() (loader_images.h), its Multiboot2 header at the
 * start of its text (file offset 0x1000); the test adds tags and ends it. */
static void kernel(int bits)
{
    const struct seg s[] = {
        { 1, 0x1000, 0x100000, 0x100000, 0x200, 0x200 },
        { 1, 0x1200, 0x101000, 0x101000, 0x80, 0x2000 },
    };
    img_init(&m);
    img_elf(&m, bits, bits == 64 ? EM_X86_64 : EM_386, 0x100010, s, 2);
    img_fill(&m, 0x1000, 0x280, 1);
    mb2h_begin(&h, &m, 0x1000);
}

static void request(uint16_t flags, const uint32_t *types, unsigned n)
{
    size_t t = mb2h_tag(&h, 1, flags, 8 + 4 * n);
    for (unsigned i = 0; i < n; i++)
        w32(&m, t + 8 + 4 * i, types[i]);
}

/* Read the information back with Keel's own parser. */
static int parse_info(void)
{
    memset(&parse_rep, 0, sizeof(parse_rep));
    return mb2_parse(ram + st.regs.rbx, st.regs.rbx, &bi, collect_report, &parse_rep);
}

/* The offset of the first information tag of `type`, or 0. */
static uint64_t find_tag(uint32_t type)
{
    uint64_t at = st.regs.rbx + 8, end = st.regs.rbx + ram32(st.regs.rbx);
    while (at < end) {
        if (ram32(at) == type)
            return at;
        at += (ram32(at + 4) + 7) & ~7u;
    }
    return 0;
}

TEST(elf32_full_information_read_back_by_keels_parser)
{
    static uint8_t rsdp[36] = "RSD PTR \x00KEELOE";
    guest(4 * MiB, 2);
    boot.rsdp = rsdp;
    boot.rsdp_size = sizeof(rsdp);
    boot.rsdp_gpa = 0xf5000;
    mods[1].string = NULL;
    kernel(32);
    static const uint32_t want[] = { 1, 2, 3, 4, 6, 8, 14, 15, 5, 12, 21 };
    request(0, want, 11);                       /* framebuffer, bootdev, EFI: not available */
    mb2h_tag(&h, 6, 0, 8);                      /* module alignment */
    size_t fb = mb2h_tag(&h, 5, 0, 20);         /* framebuffer wish: no screen */
    w32(&m, fb + 8, 1024);
    mb2h_tag(&h, 7, 0, 8);                      /* EFI boot services: not EFI */
    size_t c = mb2h_tag(&h, 4, OPT, 12);
    w32(&m, c + 8, 3);                          /* console wanted, but optional */
    mb2h_end(&h, 0);
    CHECK_EQ(load_named(&m, m.len, "mb2_elf32"), 0);
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(st.mode, GUEST_PROT32);
    CHECK_EQ(st.rip, 0x100010);
    CHECK_EQ(st.regs.rax, 0x36d76289);
    CHECK_EQ(st.regs.rbx % 8, 0);
    CHECK(ram_is(0x100000, m.b + 0x1000, 0x200));
    CHECK(ram_zero(0x101080, 0x2000 - 0x80));
    CHECK(ram_is(0x103000, mod_data[0], 5000));
    CHECK(ram_is(0x105000, mod_data[1], 4999));
    CHECK_EQ(st.regs.rbx, 0x107000);
    CHECK_EQ(ram32(st.regs.rbx + 4), 0);        /* reserved */

    CHECK_EQ(parse_info(), 0);
    CHECK_EQ(parse_rep.n, 0);
    CHECK_EQ(bi.mbi_size, ram32(st.regs.rbx));
    CHECK(st.regs.rbx + bi.mbi_size <= st.rsp - 4096);  /* the stack page follows */
    CHECK_STR(bi.cmdline, "console=ttyS0 x=1");
    CHECK_STR(bi.loader, "Keel test");
    CHECK_EQ(bi.module_count, 2);
    CHECK_EQ(bi.modules[0].start, 0x103000);
    CHECK_EQ(bi.modules[0].end, 0x103000 + 5000);
    CHECK_STR(bi.modules[0].cmdline, "mod arg");
    CHECK_EQ(bi.modules[1].start, 0x105000);
    CHECK_STR(bi.modules[1].cmdline, "");
    CHECK(bi.have_meminfo);
    CHECK_EQ(bi.mem_lower_kib, 639);
    CHECK_EQ(bi.mem_upper_kib, 3072);
    CHECK_EQ(bi.mmap_count, 4);
    CHECK_EQ(bi.mmap[1].base, 0x9fc00);
    CHECK_EQ(bi.mmap[1].type, MEM_RESERVED);
    CHECK_EQ(bi.mmap[3].base, 0x100000);
    CHECK_EQ(bi.mmap[3].len, 0x300000);
    CHECK_EQ(bi.mmap[3].type, MEM_USABLE);
    CHECK(bi.rsdp_new);
    CHECK_EQ(bi.rsdp_len, 36);
    CHECK(!memcmp(bi.rsdp, rsdp, 36));
    CHECK(!bi.efi);
    uint64_t old = find_tag(MB2_TAG_ACPI_OLD);
    CHECK(old && ram32(old + 4) == 28 && ram_is(old + 8, rsdp, 20));
    CHECK_EQ(find_tag(MB2_TAG_LOAD_BASE_ADDR), 0);  /* no relocatable tag */
    CHECK_EQ(find_tag(MB2_TAG_FRAMEBUFFER), 0);
    CHECK_EQ(ram32(find_tag(MB2_TAG_MMAP) + 8), 24);
    CHECK_EQ(sum.kind, LOADER_MB2);
    char buf[120];
    CHECK_STR(loader_describe(&sum, buf, sizeof(buf)), "Multiboot2 ELF32 kernel, 0x100000-0x103000, "
              "entry 0x100010, information at 0x107000");
}

TEST(elf64_kernel_and_entry_tag_over_e_entry)
{
    guest(4 * MiB, 0);
    boot.cmdline = NULL;
    kernel(64);
    size_t e = mb2h_tag(&h, 3, 0, 12);
    w32(&m, e + 8, 0x100100);
    mb2h_end(&h, 0);
    CHECK_EQ(load_named(&m, m.len, "mb2_elf64"), 0);
    CHECK_EQ(st.rip, 0x100100);
    CHECK_EQ(sum.elf_class, 64);
    CHECK_EQ(parse_info(), 0);
    CHECK(bi.have_cmdline);                     /* always there, empty */
    CHECK_STR(bi.cmdline, "");
    w32(&m, e + 8, 0x90000);                    /* an entry tag outside the image */
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "Multiboot2 ELF64 kernel: its entry point 0x90000 (entry address tag) is "
              "not inside anything it loads");
}

TEST(address_tag_loads_a_flat_file)
{
    guest(4 * MiB, 1);
    img_init(&m);
    img_fill(&m, 0, 0x300, 4);
    mb2h_begin(&h, &m, 0x40);
    size_t a = mb2h_tag(&h, 2, 0, 24);
    w32(&m, a + 8, 0x200040);                   /* header_addr */
    w32(&m, a + 12, 0xffffffff);                /* load_addr -1: from the file's start */
    w32(&m, a + 16, 0);                         /* the whole file */
    w32(&m, a + 20, 0x204000);                  /* bss_end_addr */
    size_t e = mb2h_tag(&h, 3, 0, 12);
    w32(&m, e + 8, 0x200080);
    mb2h_end(&h, 0);
    CHECK_EQ(load_named(&m, m.len, "mb2_address"), 0);
    CHECK_EQ(rep.n, 0);
    CHECK(ram_is(0x200000, m.b, 0x300));
    CHECK(ram_zero(0x200300, 0x4000 - 0x300));
    CHECK_EQ(sum.low, 0x200000);
    CHECK_EQ(sum.high, 0x204000);
    CHECK_EQ(st.rip, 0x200080);
    CHECK_EQ(parse_info(), 0);
    CHECK_EQ(bi.modules[0].start, 0x204000);

    w32(&m, a + 8, 0x20);                       /* header_addr below its file offset */
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "Multiboot2 kernel: its header_addr 0x20 is below its own file offset 0x40");
    w32(&m, a + 8, 0x200040);
    w32(&m, e, 0x10);                           /* no entry tag: unknown tag 16 instead */
    w16(&m, e + 2, OPT);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "has an address tag but no entry address tag to say where it starts");
}

TEST(relocatable_kernel_loaded_where_linked)
{
    guest(4 * MiB, 0);
    kernel(32);
    size_t r = mb2h_tag(&h, 10, 0, 24);
    w32(&m, r + 8, 0x100000);                   /* min_addr */
    w32(&m, r + 12, 0x200000);                  /* max_addr */
    w32(&m, r + 16, 0x1000);                    /* align */
    mb2h_end(&h, 0);
    CHECK_EQ(load_named(&m, m.len, "mb2_relocatable"), 0);
    uint64_t t = find_tag(MB2_TAG_LOAD_BASE_ADDR);
    CHECK(t && ram32(t + 4) == 12 && ram32(t + 8) == 0x100000);
    w32(&m, r + 8, 0x1000000);                  /* only from 16 MiB */
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "Multiboot2 ELF32 kernel: must be loaded within 0x1000000-0x200000 aligned "
              "to 0x1000, but Keel loads it where it is linked, 0x100000-0x103000");
    w16(&m, r + 2, OPT);                        /* optional: loaded anyway */
    CHECK_EQ(load(&m), 0);
}

TEST(what_keel_cannot_give_is_refused_only_when_required)
{
    static const uint32_t sections = 9, unknown = 99;
    guest(4 * MiB, 0);
    kernel(32);
    request(OPT, &sections, 1);
    request(OPT, &unknown, 1);
    mb2h_tag(&h, 42, OPT, 8);
    size_t c = mb2h_tag(&h, 4, 0, 12);
    w32(&m, c + 8, 2);                          /* EGA text supported, console not required */
    mb2h_tag(&h, 8, 0, 12);                     /* EFI entry tags: not EFI */
    mb2h_tag(&h, 9, 0, 12);
    mb2h_end(&h, 0);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(rep.n, 0);

    kernel(32);
    request(0, &sections, 1);
    request(0, &unknown, 1);
    mb2h_tag(&h, 42, 0, 8);
    c = mb2h_tag(&h, 4, 0, 12);
    w32(&m, c + 8, 1);
    mb2h_end(&h, 0);
    CHECK_EQ(load(&m), -1);
    CHECK_EQ(rep.n, 4);
    CHECK_HAS(rep.msg[0], "Multiboot2 kernel: requires the ELF section headers (information request "
              "9), which Keel does not give");
    CHECK_HAS(rep.msg[1], "requires information tag 99, which Keel does not know");
    CHECK_HAS(rep.msg[2], "its header has tag type 42, which Keel does not know, not marked optional");
    CHECK_HAS(rep.msg[3], "requires a console (console flags tag), and Keel gives its guests neither "
              "EGA text nor a framebuffer");
}

TEST(broken_headers_refused)
{
    guest(4 * MiB, 0);
    kernel(32);
    mb2h_end(&h, 4);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "Multiboot2 kernel: its header is for architecture 4 (MIPS), not 0 (i386 "
              "protected mode)");

    kernel(32);
    mb2h_end(&h, 0);
    w32(&m, 0x1008, 16);                        /* header_length without room for an end tag */
    w32(&m, 0x100c, -(0xe85250d6u + 16));
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "its header_length 16 at offset 0x1000 is wrong");
    img_init(&m);                               /* the header crosses byte 32768 */
    mb2h_begin(&h, &m, 32752);
    mb2h_end(&h, 0);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "its header_length 24 at offset 0x7ff0 is wrong: the header (with its end "
              "tag, 24 bytes or more) must lie within the file and its first 32768 bytes");

    kernel(32);
    size_t t = mb2h_tag(&h, 2, 0, 24);
    mb2h_end(&h, 0);
    w32(&m, t + 4, 4);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "its header tag 2 at offset 0x1010 has size 4, outside 8..32");
    w32(&m, t + 4, 40);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "has size 40, outside 8..32");
    w32(&m, t + 4, 16);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "its header tag 2 (ADDRESS) has size 16, less than its 24 bytes");

    kernel(32);
    mb2h_tag(&h, 6, 0, 8);
    mb2h_end(&h, 0);
    w32(&m, 0x1018, 6);                         /* the end tag becomes another tag */
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "its header has no end tag within its header_length of 32 bytes");

    kernel(32);
    mb2h_end(&h, 0);
    w32(&m, 0x100c, 0);                         /* checksum */
    memset(&rep, 0, sizeof(rep));
    CHECK_EQ(loader_load_mb2(m.b, m.len, ram, &boot, &st, NULL, collect_report, &rep), -1);
    CHECK_HAS(rep.msg[rep.n - 1], "its Multiboot2 magic at offset 0x1000 has checksum 0x00000000, "
              "where 0x17adaf12 would make");
}

/* Every prefix of a good image: loaded or refused, never read past. */
TEST(every_truncation_is_safe)
{
    static const uint32_t want[] = { 1, 3, 6 };
    guest(4 * MiB, 1);
    kernel(64);
    request(0, want, 3);
    mb2h_tag(&h, 6, 0, 8);
    mb2h_end(&h, 0);
    for (size_t n = 0; n <= m.len; n++) {
        int r = load_named(&m, n, NULL);
        CHECK(r == 0 || r == -1);
        CHECK_EQ(r == -1, rep.n > 0);
        CHECK(r == -1 || parse_info() == 0);
    }
}
