// unit: kernel/loader/bzimage.c kernel/lib/fmt.c
/* The bzImage loader (kernel/loader/bzimage.c): the header checks, where
 * the kernel, initrd and boot structures go, boot_params field by field,
 * the memory map, the GDT and page tables, the start state, and every
 * refusal by its words. Images are built in memory around a setup header:
 * a synthetic one, or Debian 12's cloud kernel's, whose header bytes are
 * a fixture (tests/unit/fixtures/bzimage/). Tests run from the
 * repository root.
 *
 * With BZIMAGE_SEEDS=dir in the environment, the images that load are
 * also written there as seeds for tests/fuzz/fuzz_bzimage.c:
 *   BZIMAGE_SEEDS=tests/fuzz/corpus/bzimage build/unit/test_bzimage */
#include "kernel/loader/bzimage.h"
#include "unit.h"

#define MiB (1ull << 20)
#define FIXTURE "tests/unit/fixtures/bzimage/debian-6.1.0-57-cloud-amd64.hdr"

/* ------------------------------------------------------------ images */

struct bzi {
    uint8_t *b;
    size_t len;
};

struct hdr {
    uint16_t version;
    uint8_t setup_sects, reloc, loadflags, jump;
    uint16_t xlf;
    uint32_t pm, init_size, align, cmdline_size, initrd_max, syssize;
    uint64_t pref;
};

/* A 64-bit relocatable protocol 2.15 kernel that wants 4 MiB and 2 MiB
 * (init_size) there; 0x3000 bytes of protected-mode code. */
static const struct hdr def = {
    .version = 0x020f, .setup_sects = 4, .reloc = 1, .loadflags = 1, .jump = 0x6a,
    .xlf = 0x3, .pm = 0x3000, .init_size = 0x200000, .align = 0x200000, .cmdline_size = 2047,
    .initrd_max = 0x7fffffff, .syssize = 0x300, .pref = 0x400000,
};

static void put(uint8_t *p, uint64_t v, unsigned n)
{
    memcpy(p, &v, n);
}

static uint8_t pm_byte(size_t i)
{
    return (uint8_t)(i * 13 + 7);
}

static void image(struct bzi *m, const struct hdr *h)
{
    size_t setup = ((h->setup_sects ? h->setup_sects : 4) + 1) * 512ull;
    free(m->b);
    m->len = setup + h->pm;
    m->b = calloc(1, m->len);
    for (size_t i = 0; i < setup; i++)
        m->b[i] = (uint8_t)(i * 3);             /* setup code: noise */
    uint8_t *b = m->b;
    memset(b + 0x1f1, 0, 0x290 - 0x1f1 < setup - 0x1f1 ? 0x290 - 0x1f1 : setup - 0x1f1);
    b[0x1f1] = h->setup_sects;
    put(b + 0x1f4, h->syssize, 4);
    put(b + 0x1fe, 0xaa55, 2);
    b[0x200] = 0xeb;
    b[0x201] = h->jump;
    memcpy(b + 0x202, "HdrS", 4);
    put(b + 0x206, h->version, 2);
    put(b + 0x20e, 0x300, 2);                   /* kernel_version string at 0x500 */
    memcpy(b + 0x500, "9.9.9-keel-test (x@y) #1", 25);
    b[0x211] = h->loadflags;
    put(b + 0x214, 0x100000, 4);
    put(b + 0x224, 0x5be0, 2);                  /* heap_end_ptr, as the kernel's */
    put(b + 0x22c, h->initrd_max, 4);
    put(b + 0x230, h->align, 4);
    b[0x234] = h->reloc;
    b[0x235] = 21;
    put(b + 0x236, h->xlf, 2);
    put(b + 0x238, h->cmdline_size, 4);
    put(b + 0x248, 0x2cc, 4);                   /* payload offset, length: informative */
    put(b + 0x24c, 0x1000, 4);
    put(b + 0x258, h->pref, 8);
    put(b + 0x260, h->init_size, 4);
    put(b + 0x264, 0x1234, 4);                  /* handover_offset */
    for (size_t i = 0; i < h->pm; i++)
        b[setup + i] = pm_byte(i);
}

/* Debian's header (the fixture) in front of `pm` bytes of pattern. */
static void debian(struct bzi *m, size_t pm)
{
    uint8_t hdr[123];
    FILE *f = fopen(FIXTURE, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
    fclose(f);
    size_t setup = (hdr[0] + 1) * 512ull;
    free(m->b);
    m->len = setup + pm;
    m->b = calloc(1, m->len);
    memcpy(m->b + 0x1f1, hdr, sizeof(hdr));
    uint16_t kv;
    memcpy(&kv, m->b + 0x20e, 2);
    memcpy(m->b + kv + 0x200, "6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1", 57);
    for (size_t i = 0; i < pm; i++)
        m->b[setup + i] = pm_byte(i);
}

/* ------------------------------------------------------------ the guest */

static uint8_t *ram;
static uint64_t ram_size;
static struct bzimage_boot boot;
static struct loader_module mods[3];
static uint8_t mod_data[3][5003];
static struct vcpu_start st;
static struct bzimage_summary sum;
static struct reports rep;

static void guest(uint64_t mem, unsigned nmods)
{
    free(ram);
    ram = malloc(mem);
    ram_size = mem;
    memset(ram, 0xaa, mem);
    for (unsigned i = 0; i < 3; i++) {
        for (unsigned k = 0; k < sizeof(mod_data[i]); k++)
            mod_data[i][k] = (uint8_t)(i * 31 + k + 1);
        mods[i] = (struct loader_module){ mod_data[i], sizeof(mod_data[i]) - i, NULL };
    }
    boot = (struct bzimage_boot){
        .mem = mem, .cmdline = "console=ttyS0 quiet", .initrds = mods, .initrd_count = nmods,
    };
}

static void seed(const struct bzi *m, const char *name)
{
    const char *dir = getenv("BZIMAGE_SEEDS");
    char path[256];
    if (!dir || !name)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputc(0x45, f);                         /* fuzz_bzimage.c: 8 MiB, initrd, ACPI at 0xe0000 */
        fwrite(m->b, 1, m->len, f);
        fclose(f);
    }
}

/* Load from an exact-size heap copy, so ASan sees any read past the end. */
static int load_n(const struct bzi *m, size_t len, const char *name)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, m->b, len);
    memset(&rep, 0, sizeof(rep));
    memset(&st, 0, sizeof(st));
    memset(&sum, 0, sizeof(sum));
    int r = bzimage_load(copy, len, ram, &boot, &st, &sum, collect_report, &rep);
    free(copy);
    CHECK_EQ(r == -1, rep.n > 0);
    if (r == 0)
        seed(m, name);
    return r;
}
#define load(m) load_n(m, (m)->len, NULL)

static uint64_t rd(uint64_t gpa, unsigned n)
{
    uint64_t v = 0;
    memcpy(&v, ram + gpa, n);
    return v;
}

static bool ram_is_pm(uint64_t gpa, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ram[gpa + i] != pm_byte(i))
            return false;
    return true;
}

static bool untouched(void)
{
    for (uint64_t i = 0; i < ram_size; i++)
        if (ram[i] != 0xaa)
            return false;
    return true;
}

/* The identity map the 64-bit entry starts with: gpa -> gpa? */
static bool mapped(uint64_t va)
{
    uint64_t pml4e = rd(st.cr3 + 8 * ((va >> 39) & 511), 8);
    if (!(pml4e & 1))
        return false;
    uint64_t pdpte = rd((pml4e & ~0xfffull) + 8 * ((va >> 30) & 511), 8);
    if (!(pdpte & 1) || (pdpte & 0x80))
        return false;
    uint64_t pde = rd((pdpte & ~0xfffull) + 8 * ((va >> 21) & 511), 8);
    return (pde & 0x83) == 0x83 && (pde & ~0x1fffffull & ((1ull << 52) - 1)) == (va & ~0x1fffffull);
}

struct e820 {
    uint64_t base, len;
    uint32_t type;
};

static unsigned e820(struct e820 *e)
{
    unsigned n = ram[0x9000 + 0x1e8];
    for (unsigned i = 0; i < n && i < 128; i++) {
        uint64_t at = 0x9000 + 0x2d0 + 20 * i;
        e[i] = (struct e820){ rd(at, 8), rd(at + 8, 8), (uint32_t)rd(at + 16, 4) };
    }
    return n;
}

static void check_map(const struct e820 *want, unsigned n)
{
    struct e820 e[128];
    CHECK_EQ(e820(e), n);
    for (unsigned i = 0; i < n; i++) {
        CHECK_EQ(e[i].base, want[i].base);
        CHECK_EQ(e[i].len, want[i].len);
        CHECK_EQ(e[i].type, want[i].type);
    }
}

static struct bzi m;

/* ------------------------------------------------------------ loads */

TEST(probe_says_hdrs)
{
    image(&m, &def);
    CHECK(bzimage_probe(m.b, m.len));
    CHECK(bzimage_probe(m.b, 0x206));
    CHECK(!bzimage_probe(m.b, 0x205));
    m.b[0x205] = 's';
    CHECK(!bzimage_probe(m.b, m.len));
}

TEST(debian_cloud_kernel_header_loads_with_the_64_bit_entry)
{
    guest(128 * MiB, 1);
    mods[0].size = 1 * MiB + 3;                 /* a 1 MiB initrd, from bigger data */
    uint8_t *big = calloc(1, mods[0].size);
    for (uint64_t i = 0; i < mods[0].size; i++)
        big[i] = (uint8_t)(i * 5);
    mods[0].data = big;
    debian(&m, 0xd83200 + 0x5c0);               /* syssize's bytes, then a signature's */
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(sum.version, 0x020f);
    CHECK(sum.entry64 && sum.relocatable);
    CHECK_STR(sum.kernel_version, "6.1.0-57-cloud-amd64");
    CHECK_EQ(sum.load, 0x1000000);
    CHECK_EQ(sum.load_end, 0x1000000 + 0xd837c0);
    CHECK_EQ(sum.run, 0x1000000);
    CHECK_EQ(sum.run_end, 0x1000000 + 0x3378000);
    CHECK(ram_is_pm(0x1000000, 0xd837c0));
    CHECK_EQ(sum.initrd, 128 * MiB - 0x101000);  /* page-aligned, at the top of RAM */
    CHECK_EQ(sum.initrd_size, 1 * MiB + 3);
    CHECK(!memcmp(ram + sum.initrd, big, mods[0].size));
    CHECK_EQ(st.mode, GUEST_LONG64);
    CHECK_EQ(st.rip, 0x1000200);
    CHECK_EQ(st.cr3, 0x2000);
    CHECK_EQ(st.regs.rsi, 0x9000);
    CHECK_EQ(st.cs_selector, 0x10);
    CHECK_EQ(rd(0x9000 + 0x210, 1), 0xff);
    CHECK_EQ(rd(0x9000 + 0x218, 4), 128 * MiB - 0x101000);
    CHECK_EQ(rd(0x9000 + 0x21c, 4), 1 * MiB + 3);
    CHECK_EQ(rd(0x9000 + 0x214, 4), 0x1000000);
    CHECK(mapped(0x1000200) && mapped(0x9000) && mapped(0xa000) && mapped(sum.run_end - 1));
    char buf[160];
    CHECK_STR(bzimage_describe(&sum, buf, sizeof(buf)),
              "Linux 6.1.0-57-cloud-amd64 bzImage (protocol 2.15), 0x1000000-0x1d837c0, 64-bit "
              "entry 0x1000200, initrd 0x7eff000-0x7fff003");

    guest(64 * MiB, 0);                         /* below init_size's reach */
    CHECK_EQ(load(&m), -1);
    CHECK_EQ(rep.n, 1);
    CHECK_STR(rep.msg[0], "Linux bzImage: needs 0x1000000-0x4378000 (pref_address 0x1000000, "
              "kernel_alignment 0x200000, init_size 0x3378000), beyond the guest's 64 MiB of "
              "RAM: give it at least 68 MiB");
    CHECK(untouched());

    guest(68 * MiB, 0);                         /* exactly enough */
    CHECK_EQ(load(&m), 0);
    free(big);
    free(m.b);
    m.b = NULL;
}

TEST(boot_params_field_by_field)
{
    static const uint8_t rsdp_gpa_bytes[8] = { 0x10, 0x00, 0x0e };
    guest(8 * MiB, 2);
    boot.acpi_base = 0xe0000;
    boot.acpi_size = 0x400;
    boot.rsdp_gpa = 0xe0010;
    image(&m, &def);
    CHECK_EQ(load_n(&m, m.len, "synthetic-64"), 0);
    const uint8_t *bp = ram + 0x9000;
    /* before the header: zero but acpi_rsdp_addr and alt_mem_k (and the e820 count) */
    for (unsigned i = 0; i < 0x1f1; i++) {
        if (i >= 0x70 && i < 0x78)
            CHECK_EQ(bp[i], rsdp_gpa_bytes[i - 0x70]);
        else if (i >= 0x1e0 && i < 0x1e4)
            CHECK_EQ(bp[i], ((7 * 1024) >> (8 * (i - 0x1e0))) & 0xff);
        else if (i == 0x1e8)
            CHECK_EQ(bp[i], 5);
        else if (bp[i])
            UNIT_FAIL("boot_params byte 0x%x is 0x%x", i, bp[i]);
    }
    /* the header: the image's, but what the loader writes */
    for (unsigned i = 0x1f1; i < 0x26c; i++) {
        bool written = (i >= 0x1fa && i < 0x1fc) || i == 0x210 || i == 0x211 ||
                       (i >= 0x214 && i < 0x220) || (i >= 0x228 && i < 0x22c);
        if (!written && bp[i] != m.b[i])
            UNIT_FAIL("header byte 0x%x is 0x%x, the image's 0x%x", i, bp[i], m.b[i]);
    }
    CHECK_EQ(rd(0x9000 + 0x1fa, 2), 0xffff);    /* vid_mode: normal */
    CHECK_EQ(bp[0x210], 0xff);                  /* type_of_loader */
    CHECK_EQ(bp[0x211], 0x01);                  /* loadflags: LOADED_HIGH */
    CHECK_EQ(rd(0x9000 + 0x214, 4), 0x400000);  /* code32_start: where it loaded */
    CHECK_EQ(rd(0x9000 + 0x218, 4), sum.initrd);
    CHECK_EQ(rd(0x9000 + 0x21c, 4), 5003 + 1 + 5002);   /* 5003 padded to 5004, then 5002 */
    CHECK_EQ(rd(0x9000 + 0x228, 4), 0xa000);
    CHECK_STR((char *)ram + 0xa000, "console=ttyS0 quiet");
    for (unsigned i = 0x26c; i < 0x2d0; i++)    /* after the header, before the map */
        if (bp[i])
            UNIT_FAIL("boot_params byte 0x%x is 0x%x", i, bp[i]);
    static const struct e820 map[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xe0000, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, 7 * MiB, 1 },
    };
    check_map(map, 5);
    for (unsigned i = 0x2d0 + 5 * 20; i < 4096; i++)
        if (bp[i])
            UNIT_FAIL("boot_params byte 0x%x is 0x%x", i, bp[i]);

    /* the initrd: the modules, 4-aligned between, at the top of RAM */
    CHECK_EQ(sum.initrd, 8 * MiB - 0x3000);
    CHECK(!memcmp(ram + sum.initrd, mod_data[0], 5003));
    CHECK_EQ(ram[sum.initrd + 5003], 0);
    CHECK(!memcmp(ram + sum.initrd + 5004, mod_data[1], 5002));
    CHECK_EQ(sum.initrd_size, 10006);

    /* the kernel, its start state, the GDT, the page tables */
    CHECK(ram_is_pm(0x400000, 0x3000));
    CHECK_EQ(sum.e820_entries, 5);
    CHECK_EQ(sum.boot_params, 0x9000);
    CHECK_EQ(sum.cmdline, 0xa000);
    CHECK_EQ(st.mode, GUEST_LONG64);
    CHECK_EQ(st.activity, VCPU_ACTIVE);
    CHECK_EQ(st.rip, 0x400200);
    CHECK_EQ(st.rsp, 0x9000);
    CHECK_EQ(st.cr3, 0x2000);
    CHECK_EQ(st.cs_selector, 0x10);
    CHECK_EQ(st.cs_base, 0);
    CHECK_EQ(st.regs.rsi, 0x9000);
    CHECK_EQ(st.regs.rax | st.regs.rbx | st.regs.rcx | st.regs.rdx | st.regs.rdi | st.regs.rbp, 0);
    CHECK_EQ(sum.gdt_base, 0x1000);
    CHECK_EQ(sum.gdt_limit, 31);
    CHECK_EQ(sum.cs, 0x10);
    CHECK_EQ(sum.ds, 0x18);
    CHECK_EQ(rd(0x1000, 8), 0);
    CHECK_EQ(rd(0x1008, 8), 0);
    CHECK_EQ(rd(0x1010, 8), 0x00af9b000000ffffull);     /* 64-bit code, flat */
    CHECK_EQ(rd(0x1018, 8), 0x00cf93000000ffffull);     /* data, flat */
    for (uint64_t va = 0; va < (4ull << 30); va += 0x1fff000)
        if (!mapped(va))
            UNIT_FAIL("0x%llx is not identity-mapped", (unsigned long long)va);
    CHECK(mapped(0xffffffff));
    CHECK(!mapped(4ull << 30));
    CHECK_EQ(rd(0x2000 + 8, 8), 0);             /* PML4: one entry */
    CHECK_EQ(rd(0x3000 + 32, 8), 0);            /* PDPT: four */
    char buf[160];
    CHECK_STR(bzimage_describe(&sum, buf, sizeof(buf)), "Linux 9.9.9-keel-test bzImage (protocol "
              "2.15), 0x400000-0x403000, 64-bit entry 0x400200, initrd 0x7fd000-0x7ff716");
}

TEST(thirty_two_bit_entry_without_xlf_kernel_64)
{
    struct hdr h = def;
    h.xlf = 0;
    guest(8 * MiB, 0);
    boot.cmdline = NULL;
    image(&m, &h);
    CHECK_EQ(load_n(&m, m.len, "synthetic-32"), 0);
    CHECK(!sum.entry64);
    CHECK_EQ(st.mode, GUEST_PROT32);
    CHECK_EQ(st.rip, 0x400000);
    CHECK_EQ(st.cr3, 0);
    CHECK_EQ(st.regs.rsi, 0x9000);
    CHECK_EQ(st.regs.rbx | st.regs.rbp | st.regs.rdi, 0);       /* the protocol wants them 0 */
    CHECK_EQ(rd(0x1010, 8), 0x00cf9b000000ffffull);     /* 32-bit code, flat */
    CHECK_EQ(rd(0x2000, 8), 0);                 /* no page tables */
    CHECK_EQ(rd(0x9000 + 0x218, 8), 0);         /* no initrd */
    CHECK_STR((char *)ram + 0xa000, "");        /* no command line: an empty one */
    CHECK_EQ(rd(0x9000 + 0x70, 8), 0);          /* no RSDP */
    static const struct e820 map[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 }, { 0x100000, 7 * MiB, 1 },
    };
    check_map(map, 4);
    char buf[160];
    CHECK_STR(bzimage_describe(&sum, buf, sizeof(buf)), "Linux 9.9.9-keel-test bzImage (protocol "
              "2.15), 0x400000-0x403000, 32-bit entry 0x400000");

    h.version = 0x020b;                         /* 2.11: no xloadflags, 32-bit whatever it says */
    h.xlf = 1;
    image(&m, &h);
    CHECK_EQ(load_n(&m, m.len, "synthetic-2.11"), 0);
    CHECK_EQ(st.mode, GUEST_PROT32);
    CHECK_EQ(sum.version, 0x020b);
    h.version = 0x020a;                         /* 2.10 is the oldest Keel takes */
    h.jump = 0x62;
    image(&m, &h);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(rd(0x9000 + 0x264, 4), 0);         /* the header is copied to its end only */
    CHECK_EQ(rd(0x9000 + 0x260, 4), 0x200000);
}

TEST(placement_alignment_and_non_relocatable_kernels)
{
    struct hdr h = def;
    guest(16 * MiB, 0);
    h.pref = 0x123456;                          /* aligned up to 2 MiB */
    image(&m, &h);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(sum.load, 0x200000);
    h.pref = 0;                                 /* none: from 1 MiB, aligned */
    h.align = 0x1000;
    image(&m, &h);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(sum.load, 0x100000);
    CHECK_EQ(st.rip, 0x100200);

    h = def;
    h.reloc = 0;                                /* loaded at 1 MiB, runs at pref_address */
    h.pref = 0x1000000;
    h.init_size = 0x400000;
    h.align = 3;                                /* ignored: not relocatable */
    guest(32 * MiB, 1);
    image(&m, &h);
    CHECK_EQ(load_n(&m, m.len, "not-relocatable"), 0);
    CHECK(!sum.relocatable);
    CHECK_EQ(sum.load, 0x100000);
    CHECK_EQ(sum.run, 0x1000000);
    CHECK_EQ(sum.run_end, 0x1400000);
    CHECK_EQ(st.rip, 0x100200);
    CHECK(ram_is_pm(0x100000, 0x3000));
    CHECK_EQ(rd(0x9000 + 0x214, 4), 0x100000);
    CHECK_EQ(sum.initrd, 32 * MiB - 0x2000);
    guest(20 * MiB, 0);                         /* exactly enough */
    CHECK_EQ(load(&m), 0);
    guest(20 * MiB - 4096, 0);
    CHECK_EQ(load(&m), -1);
    CHECK_STR(rep.msg[0], "Linux bzImage: is not relocatable and runs at 0x1000000-0x1400000 "
              "(pref_address, init_size), outside the guest's RAM from 1 MiB to 0x13ff000");
    h.pref = 0x80000;
    image(&m, &h);
    guest(32 * MiB, 0);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "is not relocatable and runs at 0x80000-0x480000");
    h.pref = 0;                                 /* none: at 1 MiB, where it loads */
    image(&m, &h);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(sum.run, 0x100000);
}

TEST(initrd_placement)
{
    struct hdr h = def;
    guest(16 * MiB, 1);
    h.initrd_max = 0x9fffff;                    /* the last byte it may use */
    image(&m, &h);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(sum.initrd, 0xa00000 - 0x2000);    /* 5003 bytes, page-aligned below 10 MiB */
    h.initrd_max = 0x5fffff;                    /* just below: the kernel's 4-6 MiB is in the way */
    image(&m, &h);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(sum.initrd, 0x400000 - 0x2000);    /* so below the kernel */
    h.initrd_max = 0x100fff;                    /* one page above 1 MiB: 5003 bytes need two */
    image(&m, &h);
    guest(16 * MiB, 1);
    CHECK_EQ(load(&m), -1);
    CHECK_STR(rep.msg[0], "Linux bzImage: its initrd (5003 bytes) does not fit between 1 MiB and "
              "0x101000 (initrd_addr_max + 1, the end of its 16 MiB of RAM or 4 GiB) clear of the "
              "kernel at 0x400000-0x600000");
    CHECK(untouched());
    h.initrd_max = 0x101fff;
    image(&m, &h);
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(sum.initrd, 0x100000);

    /* ACPI tables in high RAM: the initrd goes below them, the map
     * reserves them inside RAM */
    guest(16 * MiB, 1);
    boot.acpi_base = 16 * MiB - 0x1000;
    boot.acpi_size = 0x800;
    image(&m, &def);
    CHECK_EQ(load_n(&m, m.len, "acpi-high"), 0);
    CHECK_EQ(sum.initrd, 16 * MiB - 0x1000 - 0x2000);
    CHECK_EQ(ram[16 * MiB - 0x1000], 0xaa);     /* the tables' area: not written */
    static const struct e820 map[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, 15 * MiB - 0x1000, 1 }, { 16 * MiB - 0x1000, 0x800, 2 },
        { 16 * MiB - 0x800, 0x800, 1 },
    };
    check_map(map, 6);

    guest(16 * MiB, 3);                         /* no modules' bytes: no initrd */
    mods[0].size = mods[1].size = mods[2].size = 0;
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(sum.initrd | sum.initrd_size, 0);
    CHECK_EQ(rd(0x9000 + 0x218, 8), 0);

    guest(16 * MiB, 1);                         /* too big for any RAM */
    mods[0].size = 1ull << 33;
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "its initrd (0 bytes) does not fit");
    mods[0].size = 12 * MiB;                    /* bigger than the room left */
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "its initrd (12582912 bytes) does not fit between 1 MiB and 0x1000000");
}

TEST(acpi_area_in_the_memory_map_and_kept_clear)
{
    image(&m, &def);
    guest(8 * MiB, 0);
    boot.acpi_base = 0xef000;                   /* straddles into the BIOS area */
    boot.acpi_size = 0x2000;
    CHECK_EQ(load(&m), 0);
    static const struct e820 straddle[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xef000, 0x2000, 2 }, { 0xf1000, 0xf000, 2 },
        { 0x100000, 7 * MiB, 1 },
    };
    check_map(straddle, 5);
    boot.acpi_base = 0x9f000;                   /* across the EBDA */
    CHECK_EQ(load(&m), 0);
    static const struct e820 ebda[] = {
        { 0, 0x9f000, 1 }, { 0x9f000, 0x2000, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, 7 * MiB, 1 },
    };
    check_map(ebda, 4);
    boot.acpi_base = 64 * MiB;                  /* past RAM: listed last */
    CHECK_EQ(load(&m), 0);
    CHECK_EQ(sum.e820_entries, 5);
    boot.acpi_base = 0x5000;                    /* over the boot structures */
    CHECK_EQ(load(&m), -1);
    CHECK_STR(rep.msg[0], "Linux bzImage: the boot structures (GDT, page tables, boot_params, "
              "command line) at 0x1000-0xa014 would cover the guest's ACPI tables at "
              "0x5000-0x7000");
    boot.acpi_base = 0x402000;                  /* over the kernel */
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "the kernel at 0x400000-0x403000 would cover the guest's ACPI tables");
    boot.acpi_base = 0x500000;                  /* over its init_size */
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "the kernel's init_size at 0x400000-0x600000 would cover");
}

/* ------------------------------------------------------------ refusals */

static void refused(const struct hdr *h, size_t len, const char *want)
{
    image(&m, h);
    guest(8 * MiB, 1);
    CHECK_EQ(load_n(&m, len ? len : m.len, NULL), -1);
    CHECK_EQ(rep.n, 1);
    CHECK_HAS(rep.msg[0], want);
    CHECK(untouched());
}

TEST(each_refusal_in_its_words)
{
    struct hdr h = def;
    refused(&h, 0x205, "image: is not a Linux bzImage: at 517 bytes, it ends before the boot "
            "protocol's \"HdrS\" signature at offset 0x202");
    image(&m, &h);
    m.b[0x202] = 'h';
    guest(8 * MiB, 0);
    CHECK_EQ(load(&m), -1);
    CHECK_STR(rep.msg[0], "image: is not a Linux bzImage: it has no \"HdrS\" signature at offset "
              "0x202, which the Linux x86 boot protocol (2.00 and later) puts there");
    h.version = 0x0209;
    refused(&h, 0, "Linux bzImage: speaks boot protocol 2.09; Keel needs 2.10 or later (Linux "
            "2.6.31 on), whose header gives init_size and pref_address");
    refused(&def, 0x207, "Linux bzImage: speaks boot protocol 0.00; Keel needs 2.10 or later");
    h = def;
    h.jump = 0x60;
    refused(&h, 0, "Linux bzImage: its setup header ends at offset 0x262, before the end of the "
            "protocol 2.10 fields at 0x264");
    refused(&def, 0x263, "Linux bzImage: its setup header ends at offset 0x263, before the end of "
            "the protocol 2.10 fields at 0x264");
    h = def;
    h.loadflags = 0;
    refused(&h, 0, "Linux bzImage: is a zImage (loadflags bit 0, LOADED_HIGH, is clear), which "
            "loads at 0x10000; Keel loads only bzImages, which load at 1 MiB");
    refused(&def, 2560, "Linux bzImage: its setup code (setup_sects 4: 2560 bytes) reaches the "
            "end of the file (2560 bytes): no protected-mode kernel follows");
    h = def;
    h.setup_sects = 0;                          /* 0 means 4 */
    refused(&h, 2560, "Linux bzImage: its setup code (setup_sects 4: 2560 bytes) reaches");
    h = def;
    h.syssize = 0x301;
    refused(&h, 0, "Linux bzImage: is cut short: its syssize says 12304 bytes of protected-mode "
            "kernel, and the file holds 12288 after its setup code");
    h = def;
    h.pm = 0x200;
    h.syssize = 0x20;
    refused(&h, 0, "Linux bzImage: its 64-bit entry at offset 0x200 (XLF_KERNEL_64) lies past the "
            "end of its 512-byte protected-mode kernel");
    h = def;
    h.align = 0x300000;
    refused(&h, 0, "Linux bzImage: its kernel_alignment 0x300000 is not a power of two, which a "
            "relocatable kernel's must be");
    h.align = 0;
    refused(&h, 0, "Linux bzImage: its kernel_alignment 0x0 is not a power of two");
    h = def;
    h.pref = 0x900000;
    refused(&h, 0, "Linux bzImage: prefers to run at 0x900000 (pref_address), beyond the guest's "
            "8 MiB of RAM (all of it below 4 GiB counts)");
    h.pref = 0xffffffffffff0000ull;
    refused(&h, 0, "Linux bzImage: prefers to run at 0xffffffffffff0000 (pref_address)");
    h = def;
    h.init_size = 0xffffffff;
    refused(&h, 0, "Linux bzImage: needs 0x400000-0x1003fffff (pref_address 0x400000, "
            "kernel_alignment 0x200000, init_size 0xffffffff), beyond the guest's 8 MiB of RAM: "
            "give it at least 4100 MiB");
    h = def;
    h.cmdline_size = 10;
    refused(&h, 0, "Linux bzImage: its command line is 19 characters, more than the 10 its header "
            "allows (cmdline_size)");
    h.cmdline_size = 19;                        /* without the NUL: fits */
    image(&m, &h);
    CHECK_EQ(load(&m), 0);

    /* two problems at once: both said */
    h.cmdline_size = 0;
    h.initrd_max = 0;
    image(&m, &h);
    guest(8 * MiB, 1);
    CHECK_EQ(load(&m), -1);
    CHECK_EQ(rep.n, 2);
    CHECK_HAS(rep.msg[0], "its command line is 19 characters");
    CHECK_HAS(rep.msg[1], "its initrd (5003 bytes) does not fit between 1 MiB and 0x1 ");

    guest(0x80000, 0);                          /* RAM that ends below 1 MiB */
    image(&m, &def);
    CHECK_EQ(load(&m), -1);
    CHECK_HAS(rep.msg[0], "beyond the guest's 512 KiB of RAM");
}

TEST(huge_guest_places_below_4_gib_and_maps_it_all)
{
    /* Only the start of RAM is touched; claim 6 GiB without having it. */
    guest(16 * MiB, 1);
    boot.mem = 6ull << 30;
    struct hdr h = def;
    h.initrd_max = 0xffffffff;
    image(&m, &h);
    /* the initrd would go just below 4 GiB: outside this test's buffer,
     * so no initrd here; the map and the layout are what count */
    boot.initrd_count = 0;
    CHECK_EQ(load(&m), 0);
    static const struct e820 map[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, (6ull << 30) - 0x100000, 1 },
    };
    check_map(map, 4);
    CHECK_EQ(rd(0x9000 + 0x1e0, 4), ((6ull << 30) - MiB) >> 10);
}

/* Every prefix of good images: loaded or refused with a reason, no read
 * past the end (ASan watches the exact-size copy). */
TEST(every_truncation_is_safe)
{
    struct hdr h = def;
    h.pm = 0x400;
    h.syssize = 0x40;
    image(&m, &h);
    guest(8 * MiB, 1);
    for (size_t n = 0; n <= m.len; n++) {
        int r = load_n(&m, n, NULL);
        CHECK(r == 0 || r == -1);
        CHECK_EQ(r == 0, n == m.len);
    }
    h.syssize = 0;                              /* without syssize, any kernel size loads */
    image(&m, &h);
    for (size_t n = 0; n <= m.len; n++)
        CHECK_EQ(load_n(&m, n, NULL) == 0, n > 2560 + 0x200);
}
