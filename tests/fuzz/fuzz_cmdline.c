// fuzz: kernel/cmdline.c kernel/options.c drivers/uart_config.c kernel/lib/fmt.c
/* libFuzzer harness for Keel's command-line parser: the tokenizer, the
 * option table walk and Keel's own options (kernel/options.c, with the
 * comN= serial settings), on the input as a NUL-terminated string in a
 * heap block of exactly its length (ASan sees a read past the NUL). Checks
 * that tokens lie inside the line, that parse_u64/parse_choice agree with
 * a reference, and that every option keeps a value it allows.
 *   scripts/fuzz.sh cmdline */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/options.h"

#define FUZZ_NAME "cmdline"
#include "fuzz.h"

static void report(void *ctx, const char *msg)
{
    ASSERT(msg && *msg);
    ++*(int *)ctx;
}

/* parse_u64 by other means: strtoull with its own overflow check. */
static bool ref_u64(const char *s, uint64_t *out)
{
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, digits = s + 2;
    if (!*digits)
        return false;
    for (const char *c = digits; *c; c++)
        if (!(base == 16 ? (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') ||
                               (*c >= 'A' && *c <= 'F')
                         : *c >= '0' && *c <= '9'))
            return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(digits, &end, base);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static struct keel_options opts;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    memcpy(line, data, size);
    line[size] = '\0';
    size_t len = strlen(line);

    /* Tokens lie inside the line, in order, and cover its non-space text. */
    const char *cur = line;
    struct cmdline_token tok;
    int words = 0;
    while (cmdline_next(&cur, &tok)) {
        ASSERT(tok.key >= line && tok.key + tok.key_len <= line + len);
        ASSERT(tok.key_len > 0 || (tok.val && tok.key[0] == '='));
        if (tok.val)
            ASSERT(tok.val >= tok.key + tok.key_len && tok.val + tok.val_len <= line + len);
        ASSERT(cur > tok.key && cur <= line + len);
        ASSERT(++words <= (int)len);

        /* parse_u64 and parse_choice on the key, as a value would be. */
        char word[CMDLINE_VALUE_MAX];
        size_t n = tok.key_len < sizeof(word) - 1 ? tok.key_len : sizeof(word) - 1;
        memcpy(word, tok.key, n);
        word[n] = '\0';
        uint64_t a = 0, b = 0;
        bool ok = parse_u64(word, &a);
        ASSERT(ok == ref_u64(word, &b) && (!ok || a == b));
        int c = parse_choice(word, "error|warn|info|debug");
        ASSERT(c >= -1 && c <= 3);
        ASSERT(c == -1 || !strcmp(word, (const char *[]){ "error", "warn", "info", "debug" }[c]));
    }
    ASSERT(*cur == '\0');

    /* Keel's own options: whatever the line says, every field stays valid. */
    options_defaults(&opts);
    int reports = 0;
    int r = options_parse(line, &opts, report, &reports);
    ASSERT(r == reports && r <= words);
    ASSERT(opts.console >= 0 && opts.console <= CONSOLE_NONE);
    ASSERT(opts.loglvl >= LOG_ERROR && opts.loglvl <= LOG_DEBUG);
    ASSERT(opts.test >= 0 && opts.test < SELFTEST_COUNT);
    ASSERT(opts.acpi >= 0 && opts.acpi <= ACPI_SCAN);
    ASSERT(opts.shutdown >= 0 && opts.shutdown <= SHUTDOWN_HALT);
    ASSERT(opts.cpus >= 1 && opts.cpus <= CPUS_MAX);
    ASSERT(opts.vmx >= 0 && opts.vmx <= VMX_DUMP && (opts.bench == 0 || opts.bench == 1));
    for (int i = 0; i < UART_PORTS; i++) {
        const struct uart_config *u = &opts.com[i];
        ASSERT(u->port >= 1 && u->port <= 0xfff8);
        ASSERT(u->baud >= 1 && UART_CLOCK_BAUD % u->baud == 0);
        ASSERT(u->data_bits >= 5 && u->data_bits <= 8);
        ASSERT(u->parity == 'n' || u->parity == 'o' || u->parity == 'e');
        ASSERT(u->stop_bits == 1 || u->stop_bits == 2);
    }
    free(line);
    return 0;
}
