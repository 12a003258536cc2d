// unit: kernel/loader/loader.c kernel/loader/load.c kernel/loader/elf.c kernel/loader/mb1.c kernel/loader/mb2.c kernel/loader/bzimage.c kernel/lib/fmt.c
/* ELF32 and ELF64 kernels placed by their program headers (with a
 * Multiboot v1 header): entry points, refusals, limits. */
#include "loader_images.h"

#define MiB (1ull << 20)

static struct img m;

TEST(entry_moved_from_virtual_to_physical)
{
    guest(4 * MiB, 0);
    const struct seg s[] = { { 1, 0x1000, 0xc0100000, 0x100000, 0x100, 0x100 } };
    img_init(&m);
    img_elf(&m, 32, EM_386, 0xc010000c, s, 1);
    img_fill(&m, 0x1000, 0x100, 3);
    img_mb1(&m, 0x1004, 2, NULL);
    CHECK_EQ(load_named(&m, m.len, "mb1_higher_half"), 0);
    CHECK_EQ(st.rip, 0x10000c);
    CHECK_EQ(ram32(st.regs.rbx + 20), 0);       /* no modules */

    img_elf(&m, 32, EM_386, 0x100020, s, 1);    /* already physical: kept */
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(st.rip, 0x100020);

    img_elf(&m, 32, EM_386, 0xc0200000, s, 1);  /* in nothing loaded */
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "Multiboot v1 ELF32 kernel: its entry point 0xc0200000 (from e_entry) is "
              "not inside anything it loads");
}

TEST(elf64_kernel_starts_in_32_bit_mode)
{
    guest(4 * MiB, 2);
    const struct seg s[] = {
        { 1, 0x1000, 0xffffffff80200000ull, 0x200000, 0x100, 0x1000 },
        { 1, 0x1100, 0xffffffff80201000ull, 0x201000, 0x10, 0x10 },
    };
    img_init(&m);
    img_elf(&m, 64, EM_X86_64, 0xffffffff8020000cull, s, 2);
    img_fill(&m, 0x1000, 0x110, 5);
    img_mb1(&m, 0x1010, 1, NULL);
    CHECK_EQ(load_named(&m, m.len, "mb1_elf64"), 0);
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(st.rip, 0x20000c);
    CHECK_EQ(st.mode, GUEST_PROT32);
    CHECK(ram_is(0x200000, m.b + 0x1000, 0x100));
    CHECK(ram_zero(0x200100, 0xf00));
    CHECK(ram_is(0x201000, m.b + 0x1100, 0x10));
    CHECK_EQ(sum.elf_class, 64);
    CHECK_EQ(sum.high, 0x201010);
    uint64_t mod = ram32(st.regs.rbx + 24);
    CHECK_EQ(ram32(mod), 0x202000);             /* page-aligned, one after the other */
    CHECK_EQ(ram32(mod + 16), 0x204000);
    CHECK_EQ(ram32(mod + 20), 0x204000 + 4999);
    CHECK(ram_is(0x204000, mod_data[1], 4999));
}

/* The standard kernel with one change, refused with `want`. */
static void elf_case(void (*change)(struct img *), const char *want)
{
    kernel32(&m, 3);
    change(&m);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], want);
}

static void not_elf(struct img *i) { i->b[1] = 'X'; }
static void class3(struct img *i) { i->b[4] = 3; }
static void big_endian(struct img *i) { i->b[5] = 2; }
static void amd64(struct img *i) { w16(i, 18, EM_X86_64); }
static void relocatable(struct img *i) { w16(i, 16, 1); }
static void phentsize(struct img *i) { w16(i, 42, 16); }
static void phoff(struct img *i) { w32(i, 28, 0xfffffff0); }
static void filesz(struct img *i) { w32(i, 52 + 32 + 16, 0x4000); }
static void offset(struct img *i) { w32(i, 52 + 4, 0xfffff000); }
static void outside(struct img *i) { w32(i, 52 + 32 + 12, 0x3ff000); }
static void overlapping(struct img *i) { w32(i, 52 + 32 + 12, 0x100100); }
static void bios(struct img *i) { w32(i, 52 + 12, 0xf0000); }
static void no_load(struct img *i) { w32(i, 52, 6); w32(i, 52 + 32, 6); }
static void truncated(struct img *i) { i->len = 0x1100; }
static void short_header(struct img *i) { img_mb1(i, 28, 0, NULL); i->len = 40; }

TEST(elf_refusals_say_what_is_wrong)
{
    guest(4 * MiB, 0);
    elf_case(not_elf, "Multiboot v1 kernel: is not an ELF file, and its Multiboot header gives no "
             "load addresses");
    elf_case(class3, "has ELF class 3, neither ELF32 (1) nor ELF64 (2)");
    elf_case(big_endian, "Multiboot v1 ELF32 kernel: has ELF data encoding 2, not little-endian");
    elf_case(amd64, "is for ELF machine 62, not i386 (3)");
    elf_case(relocatable, "has ELF type 1, not an executable (2) or position-independent one (3)");
    elf_case(phentsize, "has 3 program headers of 16 bytes; an ELF32 program header is 32 bytes");
    elf_case(phoff, "its program headers (3 of 32 bytes at offset 0xfffffff0) run past the end of the "
             "file at 0x1280");
    elf_case(filesz, "segment 1 has p_filesz 0x4000, more than its p_memsz 0x2000");
    elf_case(offset, "segment 0 (0x200 bytes at file offset 0xfffff000) runs past the end of the file");
    elf_case(outside, "segment 1 at 0x3ff000-0x401000 lies outside the guest's 4 MiB of RAM");
    elf_case(overlapping, "segment 1 at 0x100100-0x102100 overlaps 0x100000-0x100200, which an "
             "earlier segment fills");
    elf_case(bios, "segment 0 at 0xf0000-0xf0200 overlaps 0x9fc00-0x100000");
    elf_case(no_load, "has 0 loadable segments (PT_LOAD with p_memsz > 0), where Keel takes 1 to 16");
    elf_case(truncated, "segment 0 (0x200 bytes at file offset 0x1000) runs past the end of the file "
             "at 0x1100");
    elf_case(short_header, "Multiboot v1 ELF32 kernel: the file ends at byte 40, inside its 52-byte "
             "ELF header");
}

TEST(elf64_segment_addresses_that_wrap_refused)
{
    guest(4 * MiB, 0);
    const struct seg s[] = { { 1, 0x1000, 0, 0xfffffffffffff000ull, 0x10, 0x2000 } };
    img_init(&m);
    img_elf(&m, 64, EM_X86_64, 0, s, 1);
    img_fill(&m, 0x1000, 0x10, 1);
    img_mb1(&m, 0x1000, 0, NULL);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "Multiboot v1 ELF64 kernel: segment 0 at 0xfffffffffffff000-"
              "0xffffffffffffffff lies outside");
}

TEST(too_many_segments_and_problems_capped)
{
    guest(4 * MiB, 0);
    struct seg s[17];
    for (int i = 0; i < 17; i++)
        s[i] = (struct seg){ 1, 0x1000, 0, 0x10000000u + i * 0x1000u, 0x10, 0x10 };
    img_init(&m);
    img_elf(&m, 32, EM_386, 0, s, 17);
    img_fill(&m, 0x1000, 0x10, 1);
    img_mb1(&m, 0x1000, 0, NULL);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "has 17 loadable segments");
    img_elf(&m, 32, EM_386, 0, s, 16);          /* 16, all outside RAM */
    CHECK_EQ(load(&m), -1);
    CHECK_EQ(rep.n, 9);
    CHECK_HAS(rep.msg[7], "segment 7 at 0x10007000-0x10007010 lies outside");
    CHECK_HAS(rep.msg[8], "Multiboot v1 ELF32 kernel: 8 more problems not shown");
}

