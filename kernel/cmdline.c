#include "kernel/cmdline.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_next(const char **cursor, struct cmdline_token *tok)
{
    const char *s = *cursor;
    while (is_space(*s))
        s++;
    if (!*s) {
        *cursor = s;
        return false;
    }
    tok->key = s;
    while (*s && *s != '=' && !is_space(*s))
        s++;
    tok->key_len = (size_t)(s - tok->key);
    tok->val = NULL;
    tok->val_len = 0;
    if (*s == '=') {
        s++;
        if (*s == '"') {
            tok->val = ++s;
            while (*s && *s != '"')
                s++;
            tok->val_len = (size_t)(s - tok->val);
            if (*s == '"')
                s++;
        } else {
            tok->val = s;
            while (*s && !is_space(*s))
                s++;
            tok->val_len = (size_t)(s - tok->val);
        }
    }
    *cursor = s;
    return true;
}

const struct option_desc *cmdline_apply_token(const struct cmdline_token *tok,
                                              const struct option_desc *opts, size_t nopts,
                                              report_fn report, void *ctx)
{
    const struct option_desc *opt = NULL;
    for (size_t i = 0; i < nopts; i++) {
        if (strlen(opts[i].name) == tok->key_len &&
            !strncmp(opts[i].name, tok->key, tok->key_len)) {
            opt = &opts[i];
            break;
        }
    }
    if (!opt) {
        reportf(report, ctx, "unknown option '%.*s' ignored", (int)tok->key_len, tok->key);
        return NULL;
    }
    char val[CMDLINE_VALUE_MAX];
    if (tok->val && tok->val_len >= sizeof(val)) {
        reportf(report, ctx, "%s= value longer than %zu bytes: ignored", opt->name,
                sizeof(val) - 1);
        return NULL;
    }
    if (tok->val) {
        memcpy(val, tok->val, tok->val_len);
        val[tok->val_len] = '\0';
    }
    const char *why = opt->set(opt, tok->val ? val : NULL, opt->target);
    if (why) {
        reportf(report, ctx, "%s%s%s: %s; ignored", opt->name, tok->val ? "=" : "",
                tok->val ? val : "", why);
        return NULL;
    }
    return opt;
}

int cmdline_apply(const char *line, const struct option_desc *opts, size_t nopts,
                  report_fn report, void *ctx)
{
    struct cmdline_token tok;
    int reports = 0;

    while (cmdline_next(&line, &tok))
        reports += !cmdline_apply_token(&tok, opts, nopts, report, ctx);
    return reports;
}

size_t cmdline_grub_word_len(const char *s)
{
    const char *c = s;
    bool quoted = false;
    for (; *c && (quoted || *c != ' '); c++) {
        if (*c == '\\' && c[1])
            c++;
        else if (*c == '"')
            quoted = !quoted;
    }
    return (size_t)(c - s);
}

size_t cmdline_grub_unquote(const char *s, size_t len, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            continue;
        if (s[i] == '\\' && i + 1 < len)
            i++;
        if (n < size)
            out[n] = s[i];
        n++;
    }
    return n;
}

const char *option_set_range(const struct option_desc *opt, const char *val, void *target)
{
    const struct option_range *r = opt->arg;
    uint64_t v;
    if (!val || !parse_u64(val, &v) || v < r->min || v > r->max)
        return r->why;
    v <<= r->shift;
    if (r->size == 4)
        *(uint32_t *)target = (uint32_t)v;
    else
        *(uint64_t *)target = v;
    return NULL;
}

const char *option_set_choice(const struct option_desc *opt, const char *val, void *target)
{
    if (!val)
        return "needs a value";
    const char *choices = opt->arg;
    int i = parse_choice(val, choices);
    if (i < 0) {
        static char why[96];    /* command lines are parsed one at a time, at boot */
        ksnprintf(why, sizeof(why), "expected one of %s", choices);
        return why;
    }
    *(int *)target = i;
    return NULL;
}

bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0, base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return false;
    for (; *s; s++) {
        uint64_t d;
        if (*s >= '0' && *s <= '9')
            d = (uint64_t)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (uint64_t)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (uint64_t)(*s - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

int parse_choice(const char *s, const char *choices)
{
    size_t n = strlen(s);
    int index = 0;
    for (const char *c = choices; *c; index++) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && !strncmp(c, s, n))
            return index;
        if (!bar)
            break;
        c = bar + 1;
    }
    return -1;
}
