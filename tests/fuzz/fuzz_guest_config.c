// fuzz: kernel/guest_config.c kernel/cmdline.c kernel/lib/fmt.c
/* libFuzzer harness for the guest module command-line parser
 * (docs/guests.md). Input: 8 bytes of image size, then the command line
 * (a NUL-terminated heap copy of exactly its length). Checks that an
 * accepted configuration is one Keel can start: a legal name, memory in
 * range, the image and its entry inside guest RAM below the page tables,
 * a real16 image below 1 MiB, and a vCPU list without repeats.
 *   scripts/fuzz.sh guest_config */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest_config.h"

#define FUZZ_NAME "guest_config"
#include "fuzz.h"

static void report(void *ctx, const char *msg)
{
    ASSERT(msg && *msg);
    ++*(int *)ctx;
}

static bool name_ok(const char *s)
{
    size_t n = strnlen(s, GUEST_NAME_MAX);
    if (n == 0 || n == GUEST_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
            return false;
    return true;
}

static struct guest_config g;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t image = 0;
    size_t k = size < 8 ? size : 8;
    memcpy(&image, data, k);
    /* Mostly image sizes a module could have; sometimes anything. */
    if (!(image & 1))
        image = (image >> 1) % (64ull << 20);
    char *line = malloc(size - k + 1);
    memcpy(line, data + k, size - k);
    line[size - k] = '\0';

    int reports = 0;
    int r = guest_config_parse(line, image, &g, report, &reports);
    ASSERT(r == 0 || r == -1);
    ASSERT(r == 0 || reports > 0);
    ASSERT(g.image_size == image);
    ASSERT(guest_mode_name((enum guest_mode)g.mode)[0] != '?');
    if (r == 0) {
        ASSERT(reports == 0);
        ASSERT(name_ok(g.name));
        ASSERT(g.mem >= 1ull << 20 && g.mem <= (uint64_t)GUEST_MEM_MAX_MIB << 20 &&
               g.mem % (1ull << 20) == 0);
        uint64_t top = g.mem;
        if (g.mode == GUEST_LONG64)
            top -= GUEST_PT_PAGES(g.mem) * 4096;
        ASSERT(g.load < top && image <= top - g.load);
        ASSERT(g.entry >= g.load && g.entry - g.load < (image ? image : 1));
        ASSERT(g.mode != GUEST_REAL16 || g.load + image <= 0x100000);
        ASSERT(g.brk >= BREAK_NONE && g.brk <= BREAK_LINK_POINTER);
        ASSERT(g.check == 0 || g.check == 1);
        ASSERT(g.time_s >= 1 && g.time_s <= GUEST_TIME_MAX_S);
#ifdef GUEST_VCPUS_MAX
        ASSERT(g.vcpus >= 1 && g.vcpus <= GUEST_VCPUS_MAX);
        ASSERT(g.cpu_list_len == 0 || g.cpu_list_len == g.vcpus);
        for (unsigned i = 0; i < g.cpu_list_len; i++)
            for (unsigned j = 0; j < i; j++)
                ASSERT(g.cpu_list[i] != g.cpu_list[j]);
#endif
    }
    free(line);
    return 0;
}
