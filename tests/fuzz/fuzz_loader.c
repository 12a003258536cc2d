// fuzz: kernel/loader/loader.c kernel/loader/load.c kernel/loader/elf.c kernel/loader/mb1.c kernel/loader/mb2.c kernel/loader/bzimage.c kernel/mb2.c kernel/lib/fmt.c
// fuzz-args: -max_len=16384
/* libFuzzer harness for the Multiboot guest-image loaders (kernel/loader/).
 * Input: a control byte, then the image, which gets its own heap block of
 * exactly its size; guest RAM is a heap block of exactly the guest's size
 * (kept between runs), so ASan sees any access past either. Control bits: 0 one module, 1 an
 * ACPI 2.0 RSDP at 0xf5000, 2-3 RAM (4 MiB, 2 MiB, 1 MiB + 64 KiB, or an
 * odd 3 MiB + 4097 bytes), 4 no command line and no loader name.
 * A load must end in 0, or -1 with a report (and a report only then). A
 * load that worked must start a 32-bit vCPU with the protocol's magic at
 * an entry inside the kernel, and leave the module intact and the boot
 * information inside RAM, readable: Multiboot2 information by Keel's own
 * parser (kernel/mb2.c) without one complaint.
 * Seeds: tests/fuzz/corpus/loader/, written by the unit tests
 * (LOADER_SEEDS=tests/fuzz/corpus/loader build/unit/test_loader_mb1).
 *   scripts/fuzz.sh loader */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/boot_info.h"
#include "kernel/loader/loader.h"

#define FUZZ_NAME "loader"
#include "fuzz.h"

#define MOD_SIZE 3000
#define RSDP_GPA 0xf5000

static void report(void *ctx, const char *msg)
{
    ASSERT(msg && *msg);
    ++*(int *)ctx;
}

static uint32_t rd32(const uint8_t *ram, uint64_t gpa)
{
    uint32_t v;
    memcpy(&v, ram + gpa, 4);
    return v;
}

static bool overlap(uint64_t b1, uint64_t e1, uint64_t b2, uint64_t e2)
{
    return b1 < e2 && b2 < e1;
}

/* A string the information points at: inside RAM, NUL-terminated, `want`. */
static void check_string(const uint8_t *ram, uint64_t mem, uint64_t gpa, const char *want)
{
    ASSERT(gpa && gpa < mem && memchr(ram + gpa, 0, mem - gpa));
    ASSERT(!strcmp((const char *)ram + gpa, want));
}

static void check_mb1(const uint8_t *ram, uint64_t mem, uint64_t info, const struct loader_boot *b)
{
    ASSERT(info + 116 <= mem);
    uint32_t flags = rd32(ram, info);
    ASSERT((flags & 0x4b) == 0x49 && !(flags & ~0x24dU));   /* mem, mods, mmap; no boot device */
    ASSERT(rd32(ram, info + 4) == 639);
    if (b->cmdline)
        check_string(ram, mem, rd32(ram, info + 16), b->cmdline);
    if (b->loader_name)
        check_string(ram, mem, rd32(ram, info + 64), b->loader_name);
    ASSERT(rd32(ram, info + 20) == b->module_count);
    uint64_t mods = rd32(ram, info + 24), mmap = rd32(ram, info + 48), len = rd32(ram, info + 44);
    ASSERT(mods + 16ull * b->module_count <= mem && mmap + len <= mem && len % 24 == 0);
    for (unsigned i = 0; i < b->module_count; i++) {
        uint64_t start = rd32(ram, mods + 16 * i), end = rd32(ram, mods + 16 * i + 4);
        ASSERT(start % 4096 == 0 && end - start == b->modules[i].size && end <= mem);
        check_string(ram, mem, rd32(ram, mods + 16 * i + 8), b->modules[i].string);
    }
}

static void check_mb2(const uint8_t *ram, uint64_t mem, uint64_t info, const struct loader_boot *b)
{
    static struct boot_info bi;
    ASSERT(info % 8 == 0 && info + 16 <= mem);
    uint32_t total = rd32(ram, info);
    ASSERT(total >= 16 && info + total <= mem);
    int complaints = 0;
    ASSERT(mb2_parse(ram + info, info, &bi, report, &complaints) == 0 && complaints == 0);
    ASSERT(!strcmp(bi.cmdline, b->cmdline ? b->cmdline : ""));
    ASSERT(!strcmp(bi.loader, b->loader_name ? b->loader_name : ""));
    ASSERT(bi.module_count == b->module_count && bi.have_meminfo && bi.mmap_count == 4);
    for (unsigned i = 0; i < b->module_count; i++)
        ASSERT(bi.modules[i].end - bi.modules[i].start == b->modules[i].size);
    ASSERT(bi.rsdp_len == (b->rsdp ? 36 : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t mems[] = { 4 << 20, 2 << 20, (1 << 20) + (64 << 10), (3 << 20) + 4097 };
    static uint8_t module[MOD_SIZE], rsdp[36] = "RSD PTR ";
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t n = size - 1;
    uint8_t *image = malloc(n ? n : 1);
    memcpy(image, data + 1, n);
    for (unsigned i = 0; i < MOD_SIZE; i++)
        module[i] = (uint8_t)(i * 13 + 5);
    struct loader_module mod = { module, MOD_SIZE, "initrd x=1" };
    struct loader_boot b = {
        .mem = mems[(ctl >> 2) & 3], .cmdline = "console=ttyS0 loglvl=2", .modules = &mod,
        .module_count = ctl & 1, .loader_name = "Keel fuzz",
    };
    if (ctl & 2) {
        b.rsdp = rsdp;
        b.rsdp_gpa = RSDP_GPA;
        b.rsdp_size = sizeof(rsdp);
    }
    if (ctl & 16)
        b.cmdline = b.loader_name = NULL;
    static uint8_t *rams[4];            /* one exact-size block per size, kept */
    uint8_t *ram = rams[(ctl >> 2) & 3];
    if (!ram)
        ram = rams[(ctl >> 2) & 3] = malloc(b.mem);
    struct vcpu_start st;
    struct loader_summary sum;
    int reports = 0;
    enum loader_kind kind = loader_probe(image, n);
    int r = loader_load(image, n, ram, &b, &st, &sum, report, &reports);

    ASSERT(r == 0 || r == -1);
    ASSERT((r == -1) == (reports > 0));
    ASSERT(kind != LOADER_NONE || r == -1);
    if (r == 0) {
        ASSERT(sum.kind == kind && st.mode == GUEST_PROT32 && st.activity == VCPU_ACTIVE);
        ASSERT(st.regs.rax == (kind == LOADER_MB1 ? 0x2badb002u : 0x36d76289u));
        ASSERT(sum.low < sum.high && sum.high <= b.mem);
        ASSERT(st.rip >= sum.low && st.rip < sum.high);
        ASSERT(st.rsp % 4096 == 0 && st.rsp <= b.mem && sum.end == st.rsp);
        uint64_t info = st.regs.rbx;
        ASSERT(info >= 0x1000 && info % 4096 == 0 && info < b.mem);
        ASSERT(!overlap(info, info + 1, 0x9fc00, 0x100000));
        ASSERT(!overlap(info, info + 1, RSDP_GPA, RSDP_GPA + (b.rsdp ? 36 : 0)));
        if (kind == LOADER_MB1)
            check_mb1(ram, b.mem, info, &b);
        else
            check_mb2(ram, b.mem, info, &b);
        if (b.module_count) {
            uint64_t at = kind == LOADER_MB1 ? rd32(ram, rd32(ram, info + 24)) : 0;
            if (kind == LOADER_MB2) {
                static struct boot_info bi;
                int c = 0;
                mb2_parse(ram + info, info, &bi, report, &c);
                at = bi.modules[0].start;
            }
            ASSERT(!memcmp(ram + at, module, MOD_SIZE));          /* nothing wrote over it */
            ASSERT(!overlap(at, at + MOD_SIZE, info, info + 1));
            ASSERT(!overlap(at, at + MOD_SIZE, 0x9fc00, 0x100000));
            ASSERT(!overlap(at, at + MOD_SIZE, st.rip, st.rip + 1));
        }
    }
    free(image);
    return 0;
}
