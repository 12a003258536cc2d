// fuzz: kernel/guest_config.c kernel/cmdline.c kernel/lib/fmt.c
/* libFuzzer harness for the guest module-line parser (docs/guests.md).
 * Input: a flags byte (bit 0: the image is a Multiboot kernel, not a flat
 * image; bit 1: the rest is words, not a line; bits 2-7: the guest's
 * index), 8 bytes of image size, then the rest.
 *  - A line (a NUL-terminated heap copy of exactly its length): classified,
 *    parsed and finished. An accepted configuration must be one Keel can
 *    start: a legal name, memory in range, restart fields that agree, the
 *    kernel's command line NUL-terminated in its buffer, a vCPU list
 *    without repeats; for a flat image, the image and its entry inside
 *    guest RAM below the page tables and a real16 image below 1 MiB; for
 *    a Multiboot kernel, none of the flat-image options.
 *  - Words (split at '\n'): quoted as GRUB does, then split and unquoted
 *    by Keel, which must give them back exactly; after `--` they must make
 *    the command line a reference join gives, and after for=x the module
 *    string.
 *   scripts/fuzz.sh guest_config */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline.h"
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
static struct guest_module_line m;

static void check_line(const char *line, unsigned flags, uint64_t image)
{
    unsigned index = flags >> 2;
    enum guest_image kind = flags & 1 ? GUEST_IMAGE_MULTIBOOT : GUEST_IMAGE_FLAT;
    int reports = 0;

    enum guest_line kind_of_line = guest_config_classify(line, &m, report, &reports);
    ASSERT(kind_of_line == GUEST_LINE_GUEST || kind_of_line == GUEST_LINE_MODULE ||
           kind_of_line == GUEST_LINE_BAD);
    ASSERT((kind_of_line == GUEST_LINE_BAD) == (reports > 0));
    if (kind_of_line == GUEST_LINE_MODULE) {
        ASSERT(name_ok(m.guest) && guest_name_ok(m.guest));
        ASSERT(strnlen(m.string, GUEST_CMDLINE_MAX) < GUEST_CMDLINE_MAX);
    } else {
        ASSERT(!m.guest[0] && !m.string[0]);
    }

    reports = 0;
    int r = guest_config_parse(line, index, &g, report, &reports);
    ASSERT(r == 0 || r == -1);
    ASSERT((r == -1) == (reports > 0));
    ASSERT(strnlen(g.name, GUEST_NAME_MAX) < GUEST_NAME_MAX);
    ASSERT(strnlen(g.cmdline, GUEST_CMDLINE_MAX) < GUEST_CMDLINE_MAX);
    ASSERT(guest_mode_name((enum guest_mode)g.mode)[0] != '?');
    ASSERT(guest_restart_name((enum guest_restart)g.restart)[0] != '?');
    ASSERT(g.given < GUEST_GIVEN(GUEST_OPT_COUNT));
    ASSERT(!(g.given & GUEST_GIVEN(GUEST_OPT_FOR)));
    if (r)
        return;
    ASSERT(name_ok(g.name));
    if (!(g.given & GUEST_GIVEN(GUEST_OPT_NAME))) {
        char want[GUEST_NAME_MAX];
        snprintf(want, sizeof(want), "guest%u", index);
        ASSERT(!strcmp(g.name, want));
    }
    ASSERT(kind_of_line != GUEST_LINE_MODULE);     /* for= first is no guest */
    ASSERT(g.mem == 0 || (g.mem >= 1ull << 20 && g.mem <= (uint64_t)GUEST_MEM_MAX_MIB << 20 &&
                          g.mem % (1ull << 20) == 0));
    ASSERT(!!g.mem == !!(g.given & GUEST_GIVEN(GUEST_OPT_MEM)));
    ASSERT(g.time_s <= GUEST_TIME_MAX_S);
    ASSERT(!!g.time_s == !!(g.given & GUEST_GIVEN(GUEST_OPT_TIME)));
    ASSERT(g.restart >= RESTART_NEVER && g.restart <= RESTART_ALWAYS);
    ASSERT(g.restart == RESTART_NEVER ? g.restart_max == 0
                                      : g.restart_max >= 1 && g.restart_max <= GUEST_RESTARTS_MAX);
    ASSERT(g.brk >= BREAK_NONE && g.brk <= BREAK_LINK_POINTER);
    ASSERT(g.check == 0 || g.check == 1);
    ASSERT(g.vcpus >= 1 && g.vcpus <= GUEST_VCPUS_MAX);
    ASSERT(g.cpu_list_len == 0 || g.cpu_list_len == g.vcpus);
    for (unsigned i = 0; i < g.cpu_list_len; i++)
        for (unsigned j = 0; j < i; j++)
            ASSERT(g.cpu_list[i] != g.cpu_list[j]);

    reports = 0;
    r = guest_config_finish(&g, kind, image, report, &reports);
    ASSERT(r == 0 || r == -1);
    ASSERT((r == -1) == (reports > 0));
    ASSERT(g.image_size == image);
    if (r)
        return;
    ASSERT(g.mem >= 1ull << 20 && g.mem <= (uint64_t)GUEST_MEM_MAX_MIB << 20 &&
           g.mem % (1ull << 20) == 0);
    if (kind == GUEST_IMAGE_MULTIBOOT) {
        ASSERT(g.mode == GUEST_PROT32);
        ASSERT(!(g.given & (GUEST_GIVEN(GUEST_OPT_MODE) | GUEST_GIVEN(GUEST_OPT_LOAD) |
                            GUEST_GIVEN(GUEST_OPT_ENTRY))));
        ASSERT(g.time_s <= GUEST_TIME_MAX_S);
        return;
    }
    uint64_t top = g.mem;
    if (g.mode == GUEST_LONG64)
        top -= GUEST_PT_PAGES(g.mem) * 4096;
    ASSERT(g.load < top && image <= top - g.load);
    ASSERT(g.entry >= g.load && g.entry - g.load < (image ? image : 1));
    ASSERT(g.mode != GUEST_REAL16 || g.load + image <= 0x100000);
    ASSERT(g.mode != GUEST_PROT32 || g.mem <= 1ull << 32);
    ASSERT(g.time_s <= GUEST_TIME_MAX_S);
}

/* grub_create_loader_cmdline (grub-core/lib/cmdline.c), written again. */
static size_t grub_quote(char *const *argv, int argc, char *buf)
{
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        bool space = strchr(argv[i], ' ') != NULL;
        if (space)
            buf[n++] = '"';
        for (const char *c = argv[i]; *c; c++) {
            if (*c == '\\' || *c == '\'' || *c == '"')
                buf[n++] = '\\';
            buf[n++] = *c;
        }
        if (space)
            buf[n++] = '"';
        if (i + 1 < argc)
            buf[n++] = ' ';
    }
    buf[n] = '\0';
    return n;
}

/* docs/guests.md's rule, written again: words joined by one space; one
 * with a space and no quote of its own gets key="value" or "word". */
static size_t reference_join(char *const *argv, int argc, char *buf)
{
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        const char *space = strchr(w, ' ');
        if (space && !strchr(w, '"') && !strchr(w, '\'')) {
            const char *eq = memchr(w, '=', (size_t)(space - w));
            size_t k = eq ? (size_t)(eq - w) + 1 : 0;
            n += (size_t)sprintf(buf + n, "%.*s\"%s\"", (int)k, w, w + k);
        } else {
            n += (size_t)sprintf(buf + n, "%s", w);
        }
        if (i + 1 < argc)
            buf[n++] = ' ';
    }
    buf[n] = '\0';
    return n;
}

#define WORDS_MAX 64

static void check_words(const uint8_t *data, size_t size, uint64_t image)
{
    /* words[0] is "--" (or "for=x"), then the input's words */
    char *text = malloc(size + 8);
    char *argv[WORDS_MAX + 1];
    int argc = 1;
    argv[0] = "--";
    char *w = text;
    argv[argc++] = w;
    for (size_t i = 0; i < size; i++) {
        char c = (char)data[i];
        if (c == '\n' && argc < WORDS_MAX + 1) {
            *w++ = '\0';
            argv[argc++] = w;
        } else {
            *w++ = c ? c : ' ';
        }
    }
    *w = '\0';

    size_t quoted_max = 2 * size + 3 * (size_t)argc + 8;
    char *line = malloc(quoted_max);
    char *join = malloc(quoted_max);
    size_t len = grub_quote(argv, argc, line);
    ASSERT(len < quoted_max);

    /* Keel's split gives the words back */
    const char *p = line;
    for (int i = 0; i < argc; i++) {
        size_t raw = cmdline_grub_word_len(p);
        size_t want = strlen(argv[i]);
        char *out = malloc(raw + 1);
        size_t got = cmdline_grub_unquote(p, raw, out, raw);
        ASSERT(got == want && got <= raw);
        ASSERT(!memcmp(out, argv[i], want));
        free(out);
        p += raw;
        ASSERT(i + 1 < argc ? *p == ' ' : *p == '\0');
        if (*p)
            p++;
    }

    /* after --, the kernel's command line */
    size_t want = reference_join(argv + 1, argc - 1, join);
    int reports = 0;
    int r = guest_config_parse(line, (unsigned)image, &g, report, &reports);
    ASSERT(r == 0 || r == -1);
    ASSERT(strnlen(g.cmdline, GUEST_CMDLINE_MAX) < GUEST_CMDLINE_MAX);
    if (want < GUEST_CMDLINE_MAX) {
        ASSERT(r == 0 && reports == 0);
        ASSERT(!strcmp(g.cmdline, join));
    } else {
        ASSERT(r == -1 && reports == 1 && !g.cmdline[0]);
    }

    /* for=x: a module with the same string */
    argv[0] = "for=x";
    grub_quote(argv, argc, line);
    reports = 0;
    enum guest_line k = guest_config_classify(line, &m, report, &reports);
    if (want < GUEST_CMDLINE_MAX) {
        ASSERT(k == GUEST_LINE_MODULE && reports == 0);
        ASSERT(!strcmp(m.guest, "x") && !strcmp(m.string, join));
    } else {
        ASSERT(k == GUEST_LINE_BAD && reports == 1);
    }
    free(join);
    free(line);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    unsigned flags = (unsigned)take(&in, 1);
    uint64_t image = take(&in, 8);
    /* Mostly image sizes a module could have; sometimes anything. */
    if (!(image & 1))
        image = (image >> 1) % (64ull << 20);
    if (flags & 2) {
        check_words(in.p, in.n, image);
        return 0;
    }
    char *line = malloc(in.n + 1);
    memcpy(line, in.p, in.n);
    line[in.n] = '\0';
    check_line(line, flags, image);
    free(line);
    return 0;
}
