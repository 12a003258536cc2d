// fuzz: kernel/loader/bzimage.c kernel/loader/acpi_build.c kernel/lib/fmt.c
// fuzz-args: -max_len=20000
/* libFuzzer harness for the bzImage loader (kernel/loader/bzimage.c).
 * Input: a control byte, then the image, which gets its own heap block of
 * exactly its size; guest RAM is a heap block of exactly the guest's size
 * (kept between runs), so ASan sees any access past either. Control bits:
 * 0-1 RAM (16 MiB, 8 MiB, 6 MiB + 4097 bytes, 32 MiB), 2 an initrd of two
 * modules (3001 and 70000 bytes), 3-4 the ACPI tables (Keel's own at
 * 0xe0000, none, an area across the EBDA at 0x9f000, or an area in the
 * last pages of RAM), 5 no command line, 6 an RSDP address.
 * A load must end in 0, or -1 with a report (and a report only then); a
 * refused image leaves RAM as it was. A load that worked must start the
 * vCPU as the protocol says at the kernel's entry, hold the protected-mode
 * kernel, boot_params, command line and initrd where it says, describe
 * RAM with a sorted memory map in which everything placed is RAM and the
 * ACPI tables are reserved and unchanged, and keep the initrd within
 * initrd_addr_max and clear of the kernel.
 * Seeds: tests/fuzz/corpus/bzimage/, written by the unit tests
 * (BZIMAGE_SEEDS=tests/fuzz/corpus/bzimage build/unit/test_bzimage).
 *   scripts/fuzz.sh bzimage */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/loader/acpi_build.h"
#include "kernel/loader/bzimage.h"

#define FUZZ_NAME "bzimage"
#include "fuzz.h"

#define MiB (1ull << 20)
#define LOW_CHECKED 0x10000             /* refused: this much of RAM is checked unchanged */

static void report(void *ctx, const char *msg)
{
    ASSERT(msg && *msg);
    ++*(int *)ctx;
}

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    memcpy(&v, p, n);
    return v;
}

static bool overlap(uint64_t b1, uint64_t e1, uint64_t b2, uint64_t e2)
{
    return b1 < e2 && b2 < e1;
}

struct e820 {
    uint64_t base, end;
    uint32_t type;
};

/* [b, e) inside one entry of `type`. */
static bool within(const struct e820 *m, unsigned n, uint64_t b, uint64_t e, uint32_t type)
{
    for (unsigned i = 0; i < n; i++)
        if (m[i].type == type && m[i].base <= b && e <= m[i].end)
            return true;
    return false;
}

static void check_loaded(const uint8_t *ram, const uint8_t *image, size_t n,
                         const struct bzimage_boot *b, const struct vcpu_start *st,
                         const struct bzimage_summary *s)
{
    /* the start state */
    ASSERT(st->mode == (s->entry64 ? GUEST_LONG64 : GUEST_PROT32) && st->activity == VCPU_ACTIVE);
    ASSERT(st->rip == s->entry && s->entry == s->load + (s->entry64 ? 0x200 : 0));
    ASSERT(st->cr3 == (s->entry64 ? BZIMAGE_PML4 : 0) && st->regs.rsi == BZIMAGE_BOOT_PARAMS);
    ASSERT(st->cs_selector == 0x10 && s->cs == 0x10 && s->ds == 0x18 && s->gdt_base == 0x1000);
    ASSERT(!st->regs.rbx && !st->regs.rbp && !st->regs.rdi);
    /* the kernel: the image's tail, where it runs inside RAM below 4 GiB */
    uint64_t pm = s->load_end - s->load, top = b->mem < (1ull << 32) ? b->mem : 1ull << 32;
    ASSERT(s->load >= MiB && s->load < s->load_end && s->load_end <= top && pm < n);
    ASSERT(s->run >= MiB && s->run <= s->run_end && s->run_end <= top);
    ASSERT(s->run == s->load || !s->relocatable);
    ASSERT(!memcmp(ram + s->load, image + n - pm, pm));
    if (s->entry64) {
        uint64_t pde = rd(ram + BZIMAGE_PML4 + 0x2000 + 8 * (s->entry >> 21), 8);
        ASSERT((pde & ~0x1fffffull) == (s->entry & ~0x1fffffull) && (pde & 0x83) == 0x83);
    }
    /* boot_params */
    const uint8_t *bp = ram + BZIMAGE_BOOT_PARAMS;
    ASSERT(!memcmp(bp + 0x202, "HdrS", 4) && bp[0x210] == 0xff && !bp[0x1ef]);
    ASSERT(rd(bp + 0x206, 2) == s->version && s->version >= 0x020a);
    ASSERT(rd(bp + 0x228, 4) == BZIMAGE_CMDLINE);
    ASSERT(!strcmp((const char *)ram + BZIMAGE_CMDLINE, b->cmdline ? b->cmdline : ""));
    ASSERT(strlen((const char *)ram + BZIMAGE_CMDLINE) <= rd(image + 0x238, 4));
    ASSERT(rd(bp + 0x70, 8) == b->rsdp_gpa);
    ASSERT(rd(bp + 0x218, 4) == s->initrd && rd(bp + 0x21c, 4) == s->initrd_size);
    /* the initrd: the modules, 4-aligned between, below initrd_addr_max */
    uint64_t want = 0;
    for (unsigned i = 0; i < b->initrd_count; i++)
        want += i + 1 < b->initrd_count ? (b->initrds[i].size + 3) & ~3ull : b->initrds[i].size;
    ASSERT(s->initrd_size == want);
    if (want) {
        uint64_t at = s->initrd, end = at + want;
        ASSERT(at % 4096 == 0 && at >= MiB && end <= top && end - 1 <= rd(image + 0x22c, 4));
        ASSERT(!overlap(at, end, s->load, s->load_end) && !overlap(at, end, s->run, s->run_end));
        ASSERT(!overlap(at, end, b->acpi_base, b->acpi_base + b->acpi_size));
        for (unsigned i = 0; i < b->initrd_count; i++) {
            ASSERT(!memcmp(ram + at, b->initrds[i].data, b->initrds[i].size));
            at += (b->initrds[i].size + 3) & ~3ull;
        }
    }
    /* the memory map */
    unsigned entries = bp[0x1e8];
    struct e820 m[BZIMAGE_E820_MAX];
    ASSERT(entries == s->e820_entries && entries >= 4 && entries <= 8);
    for (unsigned i = 0; i < entries; i++) {
        const uint8_t *e = bp + 0x2d0 + 20 * i;
        m[i] = (struct e820){ rd(e, 8), rd(e, 8) + rd(e + 8, 8), (uint32_t)rd(e + 16, 4) };
        ASSERT(m[i].base < m[i].end && (m[i].type == 1 || m[i].type == 2));
        ASSERT(!i || m[i - 1].end <= m[i].base);
        ASSERT(m[i].type != 1 || m[i].end <= b->mem);
    }
    ASSERT(within(m, entries, s->load, s->load_end, 1) && within(m, entries, s->run, s->run_end, 1));
    ASSERT(within(m, entries, 0x1000, BZIMAGE_CMDLINE + strlen((const char *)ram + BZIMAGE_CMDLINE) + 1, 1));
    ASSERT(!want || within(m, entries, s->initrd, s->initrd + want, 1));
    if (b->acpi_size)
        ASSERT(within(m, entries, b->acpi_base, b->acpi_base + b->acpi_size, 2));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t mems[] = { 16 * MiB, 8 * MiB, 6 * MiB + 4097, 32 * MiB };
    static uint8_t mod0[3001], mod1[70000], acpi_copy[0x2000];
    static uint8_t *rams[4];            /* one exact-size block per size, kept */
    static uint8_t cc[LOW_CHECKED];     /* what low RAM must still hold when refused */
    static bool ready;
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t n = size - 1;
    uint8_t *image = malloc(n ? n : 1);
    memcpy(image, data + 1, n);
    if (!ready) {                       /* the same every run: made once */
        for (unsigned i = 0; i < sizeof(mod0); i++)
            mod0[i] = (uint8_t)(i * 7 + 1);
        for (unsigned i = 0; i < sizeof(mod1); i++)
            mod1[i] = (uint8_t)(i * 11 + 3);
        memset(cc, 0xcc, sizeof(cc));
        ready = true;
    }
    const struct loader_module mods[2] = { { mod0, sizeof(mod0), NULL }, { mod1, sizeof(mod1), NULL } };
    struct bzimage_boot b = {
        .mem = mems[ctl & 3], .cmdline = "console=ttyS0,115200 quiet cryptomgr.notests",
        .initrds = mods, .initrd_count = ctl & 4 ? 2 : 0,
    };
    uint8_t *ram = rams[ctl & 3];
    if (!ram)
        ram = rams[ctl & 3] = calloc(1, b.mem);
    switch ((ctl >> 3) & 3) {
    case 0: {
        struct acpi_build_config cfg = { .cpus = 2 };
        b.acpi_base = ACPI_BUILD_BASE;
        b.acpi_size = acpi_build_tables(ram + ACPI_BUILD_BASE, 0x1000, ACPI_BUILD_BASE, &cfg, NULL,
                                        NULL, NULL);
        ASSERT(b.acpi_size);
        break;
    }
    case 1:
        break;
    case 2:
        b.acpi_base = 0x9f000;
        b.acpi_size = 0x2000;
        break;
    case 3:
        b.acpi_base = (b.mem - 0x3000) & ~0xfffull;
        b.acpi_size = 0x1000;
        break;
    }
    if (b.acpi_size)
        memcpy(acpi_copy, ram + b.acpi_base, b.acpi_size);
    if (ctl & 32)
        b.cmdline = NULL;
    if (ctl & 64)
        b.rsdp_gpa = ACPI_BUILD_BASE;
    memset(ram, 0xcc, LOW_CHECKED);
    if (b.acpi_size && b.acpi_base < LOW_CHECKED)
        memcpy(ram + b.acpi_base, acpi_copy, b.acpi_size);

    struct vcpu_start st;
    struct bzimage_summary sum;
    int reports = 0;
    int r = bzimage_load(image, n, ram, &b, &st, &sum, report, &reports);
    ASSERT(r == 0 || r == -1);
    ASSERT((r == -1) == (reports > 0));
    ASSERT(r == -1 || bzimage_probe(image, n));
    if (b.acpi_size)
        ASSERT(!memcmp(acpi_copy, ram + b.acpi_base, b.acpi_size));
    if (r == 0) {
        check_loaded(ram, image, n, &b, &st, &sum);
        char buf[200];
        ASSERT(strlen(bzimage_describe(&sum, buf, sizeof(buf))) > 20);
    } else {
        /* low RAM unchanged, but for the ACPI tables where they are */
        uint64_t hole = b.acpi_size && b.acpi_base < LOW_CHECKED ? b.acpi_base : LOW_CHECKED;
        uint64_t after = hole + b.acpi_size < LOW_CHECKED ? hole + b.acpi_size : LOW_CHECKED;
        ASSERT(!memcmp(ram, cc, hole));
        ASSERT(hole == LOW_CHECKED || !memcmp(ram + after, cc, LOW_CHECKED - after));
    }
    free(image);
    return 0;
}
