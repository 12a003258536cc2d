#include "kernel/guest_config.h"
#include "kernel/cmdline.h"
#include "kernel/lib/string.h"

static const char *set_name(const struct option_desc *opt, const char *val, void *target)
{
    (void)opt;
    if (!val || !*val || strlen(val) >= GUEST_NAME_MAX)
        return "needs 1 to 23 characters";
    for (const char *c = val; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return "may hold only letters, digits, '-' and '_'";
    memcpy(target, val, strlen(val) + 1);
    return NULL;
}

static const struct option_range mem_range = {
    1, GUEST_MEM_MAX_MIB, 20, sizeof(uint64_t), "expected MiB from 1 to 1024",
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

int guest_config_parse(const char *cmdline, uint64_t image_size, struct guest_config *g,
                       report_fn report, void *ctx)
{
    uint64_t entry = UINT64_MAX;
    memset(g, 0, sizeof(*g));
    g->mode = GUEST_LONG64;
    g->mem = 2ull << 20;
    g->load = 0x8000;
    g->image_size = image_size;
    g->check = 1;
    g->time_s = GUEST_TIME_DEFAULT_S;
    g->vcpus = 1;
    const struct option_desc opts[] = {
        { "name", set_name, g->name, NULL },
        { "mode", option_set_choice, &g->mode, GUEST_MODE_NAMES },
        { "mem", option_set_range, &g->mem, &mem_range },
        { "load", set_addr, &g->load, NULL },
        { "entry", set_addr, &entry, NULL },
        { "break", option_set_choice, &g->brk, GUEST_BREAK_NAMES },
        { "check", option_set_choice, &g->check, "off|on" },
        { "time", option_set_range, &g->time_s, &time_range },
        { "cpus", set_cpus, g, NULL },
    };
    int problems = cmdline_apply(cmdline, opts, sizeof(opts) / sizeof(opts[0]), report, ctx);
    g->entry = entry == UINT64_MAX ? g->load : entry;

    uint64_t top = g->mem;
    if (g->mode == GUEST_LONG64)
        top -= GUEST_PT_PAGES(g->mem) * 4096;
    if (!g->name[0]) {
        reportf(report, ctx, "no name=: every guest needs one");
        problems++;
    }
    if (g->load >= top || image_size > top - g->load) {
        reportf(report, ctx, "image of %llu bytes at 0x%llx does not fit below 0x%llx%s",
                (unsigned long long)image_size, (unsigned long long)g->load,
                (unsigned long long)top, g->mode == GUEST_LONG64 ? " (the page tables are above)" : "");
        problems++;
    }
    if (g->entry < g->load || g->entry >= g->load + (image_size ? image_size : 1)) {
        reportf(report, ctx, "entry 0x%llx is outside the image (0x%llx, %llu bytes)",
                (unsigned long long)g->entry, (unsigned long long)g->load,
                (unsigned long long)image_size);
        problems++;
    }
    if (g->mode == GUEST_REAL16 && g->load + image_size > 0x100000) {
        reportf(report, ctx, "a real16 image must lie below 1 MiB");
        problems++;
    }
    if (g->mode == GUEST_PROT32 && g->mem > (1ull << 32) - 4096) {
        reportf(report, ctx, "a prot32 guest cannot have more than 4 GiB");
        problems++;
    }
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
