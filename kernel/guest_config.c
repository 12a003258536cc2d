#include "kernel/guest_config.h"
#include "kernel/cmdline.h"
#include "kernel/lib/string.h"

_Static_assert(GUEST_NAME_MAX == 64, "the messages below say 63 characters");
_Static_assert(GUEST_MEM_MAX_MIB == 16384, "mem_range says 16384");
_Static_assert(GUEST_RESTARTS_MAX == 1000, "set_restart says 1000");
_Static_assert(GUEST_OPT_COUNT <= 32, "one `given` bit per option");
/* One PDPT maps 512 GiB: the long64 page tables cover the largest guest. */
_Static_assert(GUEST_PT_PAGES((uint64_t)GUEST_MEM_MAX_MIB << 20) <= 2 + 512, "one PDPT");

static const char *name_why(const char *s)
{
    size_t n = strnlen(s, GUEST_NAME_MAX);
    if (n == 0 || n == GUEST_NAME_MAX)
        return "needs 1 to 63 characters";
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return "may hold only letters, digits, '-' and '_'";
    return NULL;
}

bool guest_name_ok(const char *s)
{
    return !name_why(s);
}

static const char *set_name(const struct option_desc *opt, const char *val, void *target)
{
    (void)opt;
    const char *why = val ? name_why(val) : "needs 1 to 63 characters";
    if (!why)
        memcpy(target, val, strlen(val) + 1);
    return why;
}

static const struct option_range mem_range = {
    1, GUEST_MEM_MAX_MIB, 20, sizeof(uint64_t), "expected MiB from 1 to 16384",
};
static const struct option_range time_range = {
    1, GUEST_TIME_MAX_S, 0, sizeof(uint64_t), "expected seconds from 1 to 86400",
};

static const char *set_addr(const struct option_desc *opt, const char *val, void *target)
{
    (void)opt;
    uint64_t v;
    if (!val || !parse_u64(val, &v))
        return "expected an address such as 0x8000";
    *(uint64_t *)target = v;
    return NULL;
}

/* cpus=N (a count) or cpus=A,B-C (the physical CPUs, one vCPU each, in
 * order: vCPU 0 on the first). A list has a ',' or a '-'. */
static const char *set_cpus(const struct option_desc *opt, const char *val, void *target)
{
    (void)opt;
    struct guest_config *g = target;
    uint64_t n;
    if (!val || !*val)
        return "expected a count (cpus=2) or a list of CPUs (cpus=1,3 or cpus=2-3)";
    if (!strchr(val, ',') && !strchr(val, '-')) {
        if (!parse_u64(val, &n) || n < 1 || n > GUEST_VCPUS_MAX)
            return "expected a count from 1 to " GUEST_VCPUS_MAX_STR " or a list of CPUs";
        g->vcpus = (unsigned)n;
        g->cpu_list_len = 0;
        return NULL;
    }
    unsigned len = 0;
    const char *p = val;
    while (*p) {
        char num[12];
        uint64_t lo, hi;
        size_t k = 0;
        while (*p && *p != ',' && *p != '-' && k < sizeof(num) - 1)
            num[k++] = *p++;
        num[k] = '\0';
        if ((*p && *p != ',' && *p != '-') || !parse_u64(num, &lo))
            return "a CPU list holds numbers, ranges (2-3) and commas";
        hi = lo;
        if (*p == '-') {
            p++;
            k = 0;
            while (*p && *p != ',' && k < sizeof(num) - 1)
                num[k++] = *p++;
            num[k] = '\0';
            if ((*p && *p != ',') || !parse_u64(num, &hi) || hi < lo)
                return "a CPU range is written low-high, such as 2-3";
        }
        if (*p == ',' && !*++p)
            return "a CPU list does not end with a comma";
        for (uint64_t c = lo; c <= hi; c++) {
            if (c > 0xffff)
                return "no such CPU number";
            if (len == GUEST_VCPUS_MAX)
                return "more than " GUEST_VCPUS_MAX_STR " CPUs";
            for (unsigned i = 0; i < len; i++)
                if (g->cpu_list[i] == c)
                    return "a CPU is listed twice";
            g->cpu_list[len++] = (uint16_t)c;
        }
    }
    g->vcpus = len;
    g->cpu_list_len = len;
    return NULL;
}

/* restart=POLICY or restart=POLICY:N (N restarts at most). */
static const char *set_restart(const struct option_desc *opt, const char *val, void *target)
{
    (void)opt;
    struct guest_config *g = target;
    static const char *const policy_why =
        "expected never, on-crash or always, with an optional limit (restart=on-crash:3)";
    if (!val)
        return policy_why;
    const char *colon = strchr(val, ':');
    size_t n = colon ? (size_t)(colon - val) : strlen(val);
    char word[16];
    if (n >= sizeof(word))
        return policy_why;
    memcpy(word, val, n);
    word[n] = '\0';
    int policy = parse_choice(word, GUEST_RESTART_NAMES);
    if (policy < 0)
        return policy_why;
    uint64_t max = policy == RESTART_NEVER ? 0 : GUEST_RESTARTS_DEFAULT;
    if (colon && policy == RESTART_NEVER)
        return "never takes no limit";
    if (colon && (!parse_u64(colon + 1, &max) || max < 1 || max > GUEST_RESTARTS_MAX))
        return "expected a limit from 1 to 1000 restarts after the ':'";
    g->restart = policy;
    g->restart_max = (unsigned)max;
    return NULL;
}

static const char *refuse_for(const struct option_desc *opt, const char *val, void *target)
{
    (void)opt, (void)val, (void)target;
    return "makes the line a module for that guest, and must then be its first word";
}

/* The words of a GRUB line from `p` on, GRUB's quoting undone, joined by
 * one space into out[size]. A word that holds a space lost the quotes
 * its author wrote to keep it together (GRUB's script parser removed
 * them): they go back as a Linux command line has them, key="a b" (or
 * "a b" when no '=' comes before the space). A word that holds a quote
 * (" or ') of its own stays as it is: its author wrote it whole, within
 * single quotes or with \", as it should read. False when the result
 * does not fit (out is then ""). */
static bool join_words(const char *p, char *out, size_t size)
{
    size_t n = 0;
    while (*p) {
        size_t raw = cmdline_grub_word_len(p);
        size_t len = cmdline_grub_unquote(p, raw, NULL, 0);
        if (len >= size - n)
            goto too_long;
        char *w = out + n;
        cmdline_grub_unquote(p, raw, w, len);
        size_t space = len, eq = len;
        bool quote = false;
        for (size_t i = 0; i < len; i++) {
            if (w[i] == ' ' && space == len)
                space = i;
            if (w[i] == '=' && eq == len && space == len)
                eq = i;
            quote |= w[i] == '"' || w[i] == '\'';
        }
        if (space < len && !quote) {
            if (len + 2 >= size - n)
                goto too_long;
            size_t k = eq < space ? eq + 1 : 0;
            memmove(w + k + 1, w + k, len - k);
            w[k] = '"';
            w[len + 1] = '"';
            len += 2;
        }
        n += len;
        p += raw;
        if (!*p)
            break;
        p++;                            /* the space between two words */
        if (n + 1 >= size)
            goto too_long;
        out[n++] = ' ';
    }
    out[n] = '\0';
    return true;
too_long:
    out[0] = '\0';
    return false;
}

/* Whether the GRUB word p[0..raw) is `s` once unquoted. */
static bool word_is(const char *p, size_t raw, const char *s)
{
    char w[8];
    size_t len = cmdline_grub_unquote(p, raw, w, sizeof(w));
    return len == strlen(s) && len <= sizeof(w) && !memcmp(w, s, len);
}

enum guest_line guest_config_classify(const char *line, struct guest_module_line *m,
                                      report_fn report, void *ctx)
{
    memset(m, 0, sizeof(*m));
    size_t raw = cmdline_grub_word_len(line);
    char w[4 + GUEST_NAME_MAX];
    size_t len = cmdline_grub_unquote(line, raw, w, sizeof(w));
    if (len < 4 || memcmp(w, "for=", 4))
        return GUEST_LINE_GUEST;
    if (len >= sizeof(w)) {
        reportf(report, ctx, "for=%.*s...: a guest name needs 1 to 63 characters", 16, w + 4);
        return GUEST_LINE_BAD;
    }
    w[len] = '\0';
    const char *why = name_why(w + 4);
    if (why) {
        reportf(report, ctx, "for=%s: a guest name %s", w + 4, why);
        return GUEST_LINE_BAD;
    }
    const char *rest = line + raw;
    if (*rest)
        rest++;
    if (!join_words(rest, m->string, sizeof(m->string))) {
        reportf(report, ctx, "module string for guest %s longer than %zu bytes", w + 4,
                sizeof(m->string) - 1);
        memset(m, 0, sizeof(*m));
        return GUEST_LINE_BAD;
    }
    memcpy(m->guest, w + 4, len - 4 + 1);
    return GUEST_LINE_MODULE;
}

/* One option word p[0..raw): returns the number of reports (0 or 1). */
static int apply_word(const char *p, size_t raw, const struct option_desc *opts,
                      struct guest_config *g, report_fn report, void *ctx)
{
    char w[2 * CMDLINE_VALUE_MAX];
    size_t len = cmdline_grub_unquote(p, raw, w, sizeof(w));
    size_t k = 0;
    while (k < len && k < sizeof(w) && w[k] != '=')
        k++;
    if (len >= sizeof(w)) {
        reportf(report, ctx, "option '%.*s...' longer than %zu bytes: ignored",
                (int)(k < 24 ? k : 24), w, sizeof(w) - 1);
        return 1;
    }
    struct cmdline_token tok = { .key = w, .key_len = k };
    if (k < len) {
        tok.val = w + k + 1;
        tok.val_len = len - k - 1;
    }
    const struct option_desc *o = cmdline_apply_token(&tok, opts, GUEST_OPT_COUNT, report, ctx);
    if (!o)
        return 1;
    g->given |= GUEST_GIVEN(o - opts);
    return 0;
}

int guest_config_parse(const char *line, unsigned index, struct guest_config *g,
                       report_fn report, void *ctx)
{
    memset(g, 0, sizeof(*g));
    ksnprintf(g->name, sizeof(g->name), "guest%u", index);
    g->mode = GUEST_LONG64;
    g->check = 1;
    g->vcpus = 1;
    g->restart = RESTART_NEVER;
    const struct option_desc opts[GUEST_OPT_COUNT] = {
        [GUEST_OPT_NAME] = { "name", set_name, g->name, NULL },
        [GUEST_OPT_MODE] = { "mode", option_set_choice, &g->mode, GUEST_MODE_NAMES },
        [GUEST_OPT_MEM] = { "mem", option_set_range, &g->mem, &mem_range },
        [GUEST_OPT_LOAD] = { "load", set_addr, &g->load, NULL },
        [GUEST_OPT_ENTRY] = { "entry", set_addr, &g->entry, NULL },
        [GUEST_OPT_BREAK] = { "break", option_set_choice, &g->brk, GUEST_BREAK_NAMES },
        [GUEST_OPT_CHECK] = { "check", option_set_choice, &g->check, "off|on" },
        [GUEST_OPT_TIME] = { "time", option_set_range, &g->time_s, &time_range },
        [GUEST_OPT_CPUS] = { "cpus", set_cpus, g, NULL },
        [GUEST_OPT_RESTART] = { "restart", set_restart, g, NULL },
        [GUEST_OPT_FOR] = { "for", refuse_for, NULL, NULL },
        [GUEST_OPT_GDB] = { "gdb", option_set_choice, &g->gdb, "off|wait" },
    };
    int problems = 0;
    const char *p = line;
    while (*p) {
        size_t raw = cmdline_grub_word_len(p);
        if (word_is(p, raw, "--")) {
            p += raw + !!p[raw];
            if (!join_words(p, g->cmdline, sizeof(g->cmdline))) {
                reportf(report, ctx, "the kernel command line (after --) is longer than %zu bytes",
                        sizeof(g->cmdline) - 1);
                problems++;
            }
            break;
        }
        if (raw)                        /* an empty word says nothing */
            problems += apply_word(p, raw, opts, g, report, ctx);
        p += raw + !!p[raw];
    }
    return problems ? -1 : 0;
}

/* Keel's flat images: copied to `load`, started at `entry` in `mode`. */
static int check_flat(const struct guest_config *g, report_fn report, void *ctx)
{
    int problems = 0;
    uint64_t image_size = g->image_size, top = g->mem;
    if (g->mode == GUEST_LONG64)
        top -= GUEST_PT_PAGES(g->mem) * 4096;
    if (g->load >= top || image_size > top - g->load) {
        reportf(report, ctx, "image of %llu bytes at 0x%llx does not fit below 0x%llx%s",
                (unsigned long long)image_size, (unsigned long long)g->load,
                (unsigned long long)top, g->mode == GUEST_LONG64 ? " (the page tables are above)" : "");
        problems++;
    }
    if (g->entry < g->load || g->entry - g->load >= (image_size ? image_size : 1)) {
        reportf(report, ctx, "entry 0x%llx is outside the image (0x%llx, %llu bytes)",
                (unsigned long long)g->entry, (unsigned long long)g->load,
                (unsigned long long)image_size);
        problems++;
    }
    if (g->mode == GUEST_REAL16 && (g->load >= 0x100000 || image_size > 0x100000 - g->load)) {
        reportf(report, ctx, "a real16 image must lie below 1 MiB");
        problems++;
    }
    if (g->mode == GUEST_PROT32 && g->mem > (1ull << 32) - 4096) {
        reportf(report, ctx, "a prot32 guest cannot have more than 4 GiB");
        problems++;
    }
    return problems;
}

int guest_config_finish(struct guest_config *g, enum guest_image kind, uint64_t image_size,
                        report_fn report, void *ctx)
{
    int problems = 0;
    g->image_size = image_size;
    if (kind != GUEST_IMAGE_FLAT) {
        static const char *const flat_only[] = {
            [GUEST_OPT_MODE] = "mode=", [GUEST_OPT_LOAD] = "load=", [GUEST_OPT_ENTRY] = "entry=",
        };
        for (unsigned o = 0; o < sizeof(flat_only) / sizeof(flat_only[0]); o++) {
            if (flat_only[o] && (g->given & GUEST_GIVEN(o))) {
                reportf(report, ctx, "%s is for Keel's flat images: a %s says where it loads "
                        "and starts", flat_only[o], kind == GUEST_IMAGE_LINUX
                        ? "Linux kernel's setup header" : "Multiboot kernel's headers");
                problems++;
            }
        }
        g->mode = GUEST_PROT32;     /* the loader decides (a bzImage may start in long64) */
        if (!g->mem)
            g->mem = (uint64_t)GUEST_MEM_MULTIBOOT_MIB << 20;
        return problems ? -1 : 0;
    }
    if (!g->mem)
        g->mem = (uint64_t)GUEST_MEM_FLAT_MIB << 20;
    if (!(g->given & GUEST_GIVEN(GUEST_OPT_LOAD)))
        g->load = GUEST_LOAD_FLAT;
    if (!(g->given & GUEST_GIVEN(GUEST_OPT_ENTRY)))
        g->entry = g->load;
    problems += check_flat(g, report, ctx);
    return problems ? -1 : 0;
}

const char *guest_mode_name(enum guest_mode m)
{
    switch (m) {
    case GUEST_REAL16: return "real16";
    case GUEST_PROT32: return "prot32";
    case GUEST_LONG64: return "long64";
    }
    return "?";
}

const char *guest_restart_name(enum guest_restart r)
{
    switch (r) {
    case RESTART_NEVER: return "never";
    case RESTART_ON_CRASH: return "on-crash";
    case RESTART_ALWAYS: return "always";
    }
    return "?";
}
