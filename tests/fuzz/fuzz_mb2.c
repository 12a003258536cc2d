// fuzz: kernel/mb2.c kernel/lib/fmt.c
/* libFuzzer harness for the Multiboot2 boot-information parser. The input
 * is the information itself. A loader promises total_size bytes, so when
 * the header claims more than the input holds, total_size becomes the
 * input's size; everything else is as given. The information gets its own
 * heap block (16-byte aligned) of exactly total_size bytes (at least the
 * 8-byte header), so ASan sees a read past what the loader promised.
 * The physical address comes from the reserved header word's low bit
 * (aligned or not).
 *   scripts/fuzz.sh mb2 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/boot_info.h"
#include "kernel/multiboot2.h"

#define FUZZ_NAME "mb2"
#include "fuzz.h"

static void report(void *ctx, const char *msg)
{
    ASSERT(msg && *msg);
    ++*(int *)ctx;
}

static bool terminated(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

static struct boot_info bi;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < sizeof(struct mb2_info_header))
        return 0;                   /* a loader always gives the header */
    struct mb2_info_header hdr;
    memcpy(&hdr, data, sizeof(hdr));
    if (hdr.total_size > size)
        hdr.total_size = (uint32_t)size;
    size_t n = hdr.total_size < sizeof(hdr) ? sizeof(hdr) : hdr.total_size;
    uint8_t *mbi = malloc(n);
    memcpy(mbi, data, n);
    memcpy(mbi, &hdr, sizeof(hdr));
    const struct mb2_info_header *h = &hdr;
    uint64_t phys = 0x10000 + (h->reserved & 1 ? 4 : 0);
    int reports = 0;
    int r = mb2_parse(mbi, phys, &bi, report, &reports);

    ASSERT(r == 0 || r == -1);
    ASSERT(r == 0 || reports > 0);
    ASSERT(bi.mbi_phys == phys);
    ASSERT(bi.mmap_count <= BOOT_MMAP_MAX && bi.module_count <= BOOT_MODULES_MAX);
    ASSERT(bi.rsdp_len <= BOOT_RSDP_MAX);
    ASSERT(terminated(bi.cmdline, sizeof(bi.cmdline)) && terminated(bi.loader, sizeof(bi.loader)));
    for (uint32_t i = 0; i < bi.module_count; i++) {
        ASSERT(terminated(bi.modules[i].cmdline, sizeof(bi.modules[i].cmdline)));
        ASSERT(bi.modules[i].end >= bi.modules[i].start);
    }
    for (uint32_t i = 0; i < bi.mmap_count; i++) {
        ASSERT(bi.mmap[i].len && bi.mmap[i].base + bi.mmap[i].len > bi.mmap[i].base);
        ASSERT(mem_type_name(bi.mmap[i].type)[0] != '?');
    }
    free(mbi);
    return 0;
}
