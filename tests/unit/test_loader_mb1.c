// unit: kernel/loader/loader.c kernel/loader/load.c kernel/loader/elf.c kernel/loader/mb1.c kernel/loader/mb2.c kernel/loader/bzimage.c kernel/lib/fmt.c
/* Multiboot v1 kernels and what every loader shares: probing, the
 * information, the address fields, placement of modules and information,
 * refusals. ELF placement: test_loader_elf.c. */
#include "loader_images.h"

#define MiB (1ull << 20)

static struct img m;

TEST(probe_finds_each_header_where_the_specifications_put_it)
{
    img_init(&m);
    m.len = 100;
    CHECK_EQ(loader_probe(m.b, m.len), LOADER_NONE);
    img_mb1(&m, 8180, 0, NULL);                 /* last place it fits in 8192 bytes */
    CHECK_EQ(loader_probe(m.b, m.len), LOADER_MB1);
    CHECK_EQ(loader_probe(m.b, m.len - 1), LOADER_NONE);   /* cut short */
    img_init(&m);
    img_mb1(&m, 8184, 0, NULL);                 /* runs past 8192 */
    CHECK_EQ(loader_probe(m.b, m.len), LOADER_NONE);
    img_init(&m);
    img_mb1(&m, 2, 0, NULL);                    /* not 4-aligned */
    CHECK_EQ(loader_probe(m.b, m.len), LOADER_NONE);
    img_init(&m);
    img_mb1(&m, 64, 0, NULL);
    w32(&m, 72, 0x12345678);                    /* checksum wrong */
    CHECK_EQ(loader_probe(m.b, m.len), LOADER_NONE);

    struct mb2h h;
    img_init(&m);
    img_mb1(&m, 0, 3, NULL);
    mb2h_begin(&h, &m, 32752 - 8);              /* 8-aligned, within 32768 */
    mb2h_end(&h, 0);
    CHECK_EQ(loader_probe(m.b, m.len), LOADER_MB2);         /* both: Multiboot2 */
    img_init(&m);
    mb2h_begin(&h, &m, 36);                     /* 4- but not 8-aligned */
    mb2h_end(&h, 0);
    CHECK_EQ(loader_probe(m.b, m.len), LOADER_NONE);
    img_init(&m);
    mb2h_begin(&h, &m, 40);
    mb2h_end(&h, 4);                            /* MIPS: claimed, then refused */
    CHECK_EQ(loader_probe(m.b, m.len), LOADER_MB2);
}

TEST(elf32_segments_modules_information_and_start_state)
{
    guest(4 * MiB, 1);
    kernel32(&m, 3);
    CHECK_EQ(load_named(&m, m.len, "mb1_elf32"), 0);
    CHECK_EQ(rep.n, 0);
    CHECK(ram_is(0x100000, m.b + 0x1000, 0x200));
    CHECK(ram_is(0x101000, m.b + 0x1200, 0x80));
    CHECK(ram_zero(0x101080, 0x2000 - 0x80));   /* bss */
    CHECK_EQ(ram[0x103000 - 1 + 1], mod_data[0][0]);        /* the module follows */

    CHECK_EQ(st.mode, GUEST_PROT32);
    CHECK_EQ(st.activity, VCPU_ACTIVE);
    CHECK_EQ(st.rip, 0x100010);
    CHECK_EQ(st.regs.rax, 0x2badb002);
    CHECK_EQ(st.regs.rbx, 0x105000);
    CHECK_EQ(st.rsp, 0x107000);
    CHECK_EQ(st.regs.rcx | st.regs.rdx | st.regs.rsi | st.regs.rdi | st.cr3, 0);

    uint64_t i = st.regs.rbx;
    CHECK_EQ(ram32(i + 0), 0x24d);              /* mem, cmdline, mods, mmap, loader name */
    CHECK_EQ(ram32(i + 4), 639);
    CHECK_EQ(ram32(i + 8), 3 * 1024);
    CHECK_EQ(ram32(i + 12), 0);                 /* no boot device */
    CHECK_STR((char *)ram + ram32(i + 16), "console=ttyS0 x=1");
    CHECK_EQ(ram32(i + 20), 1);
    uint64_t mod = ram32(i + 24);
    CHECK_EQ(ram32(mod), 0x103000);
    CHECK_EQ(ram32(mod + 4), 0x103000 + 5000);
    CHECK_STR((char *)ram + ram32(mod + 8), "mod arg");
    CHECK_EQ(ram32(mod + 12), 0);
    CHECK(ram_is(0x103000, mod_data[0], 5000));
    CHECK(ram_zero(i + 28, 16));                /* no symbols */
    CHECK_EQ(ram32(i + 44), 4 * 24);
    uint64_t mm = ram32(i + 48);
    static const uint64_t map[4][3] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 }, { 0x100000, 0x300000, 1 },
    };
    for (int k = 0; k < 4; k++) {
        CHECK_EQ(ram32(mm + 24 * k), 20);
        CHECK_EQ(ram64(mm + 24 * k + 4), map[k][0]);
        CHECK_EQ(ram64(mm + 24 * k + 12), map[k][1]);
        CHECK_EQ(ram32(mm + 24 * k + 20), map[k][2]);
    }
    CHECK(ram_zero(i + 52, 12));                /* drives, configuration table */
    CHECK_STR((char *)ram + ram32(i + 64), "Keel test");
    CHECK(ram_zero(i + 68, 116 - 68));          /* APM, VBE, framebuffer */

    CHECK_EQ(sum.kind, LOADER_MB1);
    CHECK_EQ(sum.elf_class, 32);
    CHECK_EQ(sum.low, 0x100000);
    CHECK_EQ(sum.high, 0x103000);
    CHECK_EQ(sum.end, 0x107000);
    char buf[120];
    CHECK_STR(loader_describe(&sum, buf, sizeof(buf)), "Multiboot v1 ELF32 kernel, 0x100000-0x103000, "
              "entry 0x100010, information at 0x105000");
}

TEST(address_fields_load_any_file_and_win_over_elf)
{
    guest(4 * MiB, 0);
    const uint32_t a[] = { 0x100020, 0x100000, 0x100100, 0x105000, 0x100040 };
    img_init(&m);
    img_fill(&m, 0, 0x200, 9);                  /* not ELF: a flat binary */
    img_mb1(&m, 0x20, 0x10003, a);
    CHECK_EQ(load_named(&m, m.len, "mb1_address_fields"), 0);
    CHECK_EQ(rep.n, 0);
    CHECK(ram_is(0x100000, m.b, 0x100));        /* up to load_end_addr */
    CHECK(ram_zero(0x100100, 0x5000 - 0x100));  /* bss up to bss_end_addr */
    CHECK_EQ(st.rip, 0x100040);
    CHECK_EQ(sum.elf_class, 0);
    CHECK_EQ(st.regs.rbx, 0x105000);
    char buf[120];
    CHECK_HAS(loader_describe(&sum, buf, sizeof(buf)), "Multiboot v1 kernel (address fields), "
              "0x100000-0x105000, entry 0x100040");

    kernel32(&m, 0x10000);                      /* ELF, but flag 16: the fields count */
    const uint32_t b[] = { 0x300000, 0x2ff000, 0, 0, 0x2ff000 };
    img_mb1(&m, 0x1000, 0x10000, b);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(sum.low, 0x2ff000);
    CHECK_EQ(sum.high, 0x2ff000 + m.len);       /* load_end_addr 0: the whole file */
    CHECK(ram_is(0x2ff000, m.b, m.len));
    CHECK_EQ(st.rip, 0x2ff000);
}

TEST(video_flag_gets_no_video_and_absent_strings_no_flags)
{
    guest(2 * MiB, 0);
    boot.cmdline = NULL;
    boot.loader_name = NULL;
    kernel32(&m, 7);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(ram32(st.regs.rbx), 0x49);         /* mem, mods, mmap: no video, no strings */
    CHECK_EQ(ram32(st.regs.rbx + 16), 0);
    CHECK_EQ(ram32(st.regs.rbx + 8), 1024);
}

TEST(unknown_required_bits_refused_by_number)
{
    guest(4 * MiB, 0);
    kernel32(&m, 0x8008 | 0xfe0000);            /* bits 17-31: optional, ignored */
    CHECK_EQ(load(&m), -1);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[0], "Multiboot v1 kernel: its header flags 0x00fe8008 require bit 3, which the "
              "specification does not define");
    CHECK_HAS(rep.msg[1], "require bit 15");
}

static void address_case(const uint32_t *a, size_t header_off, size_t len, const char *want)
{
    img_init(&m);
    img_fill(&m, 0, len, 2);
    img_mb1(&m, header_off, 0x10000, a);
    m.len = len;
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], want);
}

TEST(address_field_refusals)
{
    guest(4 * MiB, 0);
    const uint32_t above[] = { 0x100000, 0x100010, 0, 0, 0x100010 };
    address_case(above, 0x20, 0x100, "Multiboot v1 kernel: its load_addr 0x100010 is above its "
                 "header_addr 0x100000; the specification requires load_addr <= header_addr");
    const uint32_t before[] = { 0x100040, 0x100000, 0, 0, 0x100000 };
    address_case(before, 0x20, 0x100, "its header_addr - load_addr (0x40) reaches before the start "
                 "of the file, as the header is at offset 0x20");
    const uint32_t end_below[] = { 0x100020, 0x100000, 0xff000, 0, 0x100000 };
    address_case(end_below, 0x20, 0x100, "its load_end_addr 0xff000 is below its load_addr 0x100000");
    const uint32_t past[] = { 0x100020, 0x100000, 0x100200, 0, 0x100000 };
    address_case(past, 0x20, 0x100, "its address fields load 0x200 bytes from file offset 0x0, but "
                 "the file ends at 0x100");
    const uint32_t bss[] = { 0x100020, 0x100000, 0x100080, 0x100040, 0x100000 };
    address_case(bss, 0x20, 0x100, "its bss_end_addr 0x100040 is below the end of what it loads, "
                 "0x100080");
    const uint32_t entry[] = { 0x100020, 0x100000, 0, 0, 0x200000 };
    address_case(entry, 0x20, 0x100, "its entry point 0x200000 (entry_addr) is not inside anything");
    const uint32_t high[] = { 0xfffff020, 0xfffff000, 0, 0xffffffff, 0xfffff000 };
    address_case(high, 0x20, 0x100, "its image at 0xfffff000-0xffffffff lies outside the guest's "
                 "4 MiB of RAM");
    const uint32_t bios[] = { 0xa0020, 0xa0000, 0, 0, 0xa0000 };
    address_case(bios, 0x20, 0x100, "its image at 0xa0000-0xa0100 overlaps 0x9fc00-0x100000, which "
                 "the guest's memory map reserves");
    img_init(&m);                               /* flag 16, file ends inside the fields */
    img_mb1(&m, 0x40, 0x10000, NULL);
    m.len = 0x40 + 20;
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "its header at offset 0x40 sets flag 16 (address fields), but the file ends "
              "before them");
}

TEST(modules_and_information_placed_around_the_kernel)
{
    guest(4 * MiB, 1);
    mods[0].size = 3 * MiB;                     /* does not fit anywhere */
    uint8_t *big = calloc(1, 3 * MiB);
    mods[0].data = big;
    kernel32(&m, 3);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "the guest's 4 MiB of RAM has no room for its 1 modules, boot information "
              "and stack (3080 KiB) next to the kernel at 0x100000-0x103000");
    free(big);

    guest(4 * MiB, 1);                          /* a kernel at the top: below it, then */
    const struct seg hi[] = { { 1, 0x1000, 0x3f0000, 0x3f0000, 0x100, 0x10000 } };
    img_init(&m);
    img_elf(&m, 32, EM_386, 0x3f0000, hi, 1);
    img_fill(&m, 0x1000, 0x100, 1);
    img_mb1(&m, 0x1000, 0, NULL);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(ram32(ram32(st.regs.rbx + 24)), 0x1000);
    CHECK_EQ(st.regs.rbx, 0x3000);

    guest(4 * MiB, 1);                          /* a low kernel: around 0x9fc00-0x100000 */
    mods[0].size = 0x90000;
    mods[0].data = big = calloc(1, 0x90000);
    const struct seg lo[] = { { 1, 0x1000, 0x10000, 0x10000, 0x100, 0x100 } };
    img_init(&m);
    img_elf(&m, 32, EM_386, 0x10000, lo, 1);
    img_fill(&m, 0x1000, 0x100, 1);
    img_mb1(&m, 0x1000, 0, NULL);
    CHECK_EQ(load_named(&m, m.len, "mb1_low"), 0);
    CHECK_EQ(ram32(ram32(st.regs.rbx + 24)), 0x100000);
    CHECK_EQ(st.regs.rbx, 0x190000);            /* then the information */
    free(big);
}

TEST(rsdp_kept_clear)
{
    static const uint8_t rsdp[20] = "RSD PTR ";
    guest(4 * MiB, 0);
    boot.rsdp = rsdp;
    boot.rsdp_size = 20;
    boot.rsdp_gpa = 0x100100;
    kernel32(&m, 3);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "segment 0 at 0x100000-0x100200 covers the guest's ACPI RSDP at 0x100100");
    boot.rsdp_gpa = 0x103010;                   /* just after the kernel: the module moves on */
    boot.module_count = 1;
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(ram32(ram32(st.regs.rbx + 24)), 0x104000);
}

TEST(guest_and_module_limits)
{
    guest(1 * MiB - 4096, 0);
    kernel32(&m, 3);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "Multiboot v1 kernel: the guest has 1020 KiB of RAM; a Multiboot kernel "
              "needs at least 1 MiB");
    guest(4 * MiB, LOADER_MODULES_MAX + 1);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "33 modules are more than Keel's 32");
}

TEST(no_header_or_a_wrong_checksum_named)
{
    guest(4 * MiB, 0);
    img_init(&m);
    img_fill(&m, 0, 0x400, 1);
    CHECK_EQ(load(&m), -1);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(rep.msg[0], "image: has neither a Multiboot v1 header (magic 0x1badb002, 4-aligned in "
              "its first 8 KiB) nor a Multiboot2 header");
    img_mb1(&m, 0x40, 3, NULL);
    w32(&m, 0x48, 0x1234);
    CHECK_EQ(load(&m), -1);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[1], "an image with a broken Multiboot header: its Multiboot v1 magic at offset "
              "0x40 has checksum 0x00001234, where "
              "0xe4524ffb would make the header's fields sum to 0");
    memset(&rep, 0, sizeof(rep));
    CHECK_EQ(loader_load_mb1(m.b, m.len, ram, &boot, &st, NULL, collect_report, &rep), -1);
    CHECK_HAS(rep.msg[0], "Multiboot v1 kernel: has no Multiboot v1 header: magic 0x1badb002, "
              "4-aligned in its first 8192 bytes");
}

/* Images that are something else than Keel's flat binaries, though no
 * loader takes them: named, so that they are refused, not run. */
TEST(foreign_images_named)
{
    guest(4 * MiB, 0);
    img_init(&m);
    img_fill(&m, 0, 0x400, 1);
    CHECK(loader_foreign(m.b, m.len) == NULL);
    memcpy(m.b, "\x7f" "ELF\x02", 5);
    CHECK_STR(loader_foreign(m.b, m.len), "an ELF64 file");
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "an ELF64 file: has neither a Multiboot v1 header");
    m.b[4] = 1;
    CHECK_STR(loader_foreign(m.b, m.len), "an ELF32 file");
    CHECK(loader_foreign(m.b, 4) == NULL);          /* too short to say */
    img_init(&m);
    img_fill(&m, 0, 0x400, 1);
    memcpy(m.b + 0x202, "HdrS", 4);
    CHECK_STR(loader_foreign(m.b, m.len), "a Linux kernel (bzImage)");
    CHECK(loader_foreign(m.b, 0x205) == NULL);
    img_init(&m);
    img_fill(&m, 0, 0x400, 1);
    img_mb1(&m, 0x40, 3, NULL);
    CHECK(loader_foreign(m.b, m.len) == NULL);      /* a good header: the loader's */
    w32(&m, 0x48, 0x1234);
    CHECK_STR(loader_foreign(m.b, m.len), "an image with a broken Multiboot header");
}

/* Every prefix of good images: loaded or refused with a reason, and no
 * read past the end (ASan watches the exact-size copy). */
TEST(every_truncation_is_safe)
{
    const uint32_t a[] = { 0x100020, 0x100000, 0, 0x105000, 0x100040 };
    for (int k = 0; k < 2; k++) {
        guest(4 * MiB, 1);
        if (k == 0) {
            kernel32(&m, 3);
        } else {
            img_init(&m);
            img_fill(&m, 0, 0x200, 9);
            img_mb1(&m, 0x20, 0x10000, a);
        }
        for (size_t n = 0; n <= m.len; n++) {
            int r = load_named(&m, n, NULL);
            CHECK(r == 0 || r == -1);
            CHECK_EQ(r == -1, rep.n > 0);
        }
    }
}
