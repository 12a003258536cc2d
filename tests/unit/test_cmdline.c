// unit: kernel/cmdline.c kernel/options.c drivers/uart_config.c kernel/lib/fmt.c
#include "drivers/uart_config.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "unit.h"

static int tokens(const char *line, char out[][64])
{
    struct cmdline_token t;
    int n = 0;
    while (cmdline_next(&line, &t)) {
        if (t.val)
            snprintf(out[n], 64, "%.*s=[%.*s]", (int)t.key_len, t.key, (int)t.val_len, t.val);
        else
            snprintf(out[n], 64, "%.*s", (int)t.key_len, t.key);
        n++;
    }
    return n;
}

TEST(tokenizer_words_values_quotes)
{
    char t[8][64];
    CHECK_EQ(tokens("  a=1  bare\tq=\"x y\" e= last", t), 5);
    CHECK_STR(t[0], "a=[1]");
    CHECK_STR(t[1], "bare");
    CHECK_STR(t[2], "q=[x y]");
    CHECK_STR(t[3], "e=[]");
    CHECK_STR(t[4], "last");
    CHECK_EQ(tokens("", t), 0);
    CHECK_EQ(tokens("   ", t), 0);
    CHECK_EQ(tokens("k=\"unterminated value", t), 1);
    CHECK_STR(t[0], "k=[unterminated value]");
    CHECK_EQ(tokens("a=b=c", t), 1);            /* only the first '=' splits */
    CHECK_STR(t[0], "a=[b=c]");
}

TEST(numbers_and_choices)
{
    uint64_t v;
    CHECK(parse_u64("0", &v) && v == 0);
    CHECK(parse_u64("115200", &v) && v == 115200);
    CHECK(parse_u64("0x3F8", &v) && v == 0x3f8);
    CHECK(parse_u64("18446744073709551615", &v) && v == UINT64_MAX);
    CHECK(!parse_u64("18446744073709551616", &v));
    CHECK(!parse_u64("", &v));
    CHECK(!parse_u64("0x", &v));
    CHECK(!parse_u64("12a", &v));
    CHECK(!parse_u64("-1", &v));
    CHECK_EQ(parse_choice("info", "error|warn|info|debug"), 2);
    CHECK_EQ(parse_choice("error", "error|warn|info|debug"), 0);
    CHECK_EQ(parse_choice("debug", "error|warn|info|debug"), 3);
    CHECK_EQ(parse_choice("inf", "error|warn|info|debug"), -1);
    CHECK_EQ(parse_choice("", "error|warn"), -1);
}

TEST(defaults)
{
    struct keel_options o;
    options_defaults(&o);
    CHECK_EQ(o.console, 0);
    CHECK_EQ(o.com[0].port, 0x3f8);
    CHECK_EQ(o.com[1].port, 0x2f8);
    CHECK_EQ(o.com[0].baud, 115200);
    CHECK_EQ(o.com[0].data_bits, 8);
    CHECK_EQ(o.com[0].parity, 'n');
    CHECK_EQ(o.com[0].stop_bits, 1);
    CHECK_EQ(o.loglvl, LOG_INFO);
    CHECK_EQ(o.test, SELFTEST_NONE);
}

TEST(options_applied)
{
    struct keel_options o;
    struct reports r = { 0 };
    options_defaults(&o);
    CHECK_EQ(options_parse("loglvl=debug console=com2 com2=9600,7e2,0x2e8 test=ud", &o,
                           collect_report, &r), 0);
    CHECK_EQ(o.loglvl, LOG_DEBUG);
    CHECK_EQ(o.console, 1);
    CHECK_EQ(o.com[1].baud, 9600);
    CHECK_EQ(o.com[1].data_bits, 7);
    CHECK_EQ(o.com[1].parity, 'e');
    CHECK_EQ(o.com[1].stop_bits, 2);
    CHECK_EQ(o.com[1].port, 0x2e8);
    CHECK_EQ(o.test, SELFTEST_UD);
    options_parse("console=none test=df", &o, collect_report, &r);
    CHECK_EQ(o.console, CONSOLE_NONE);
    CHECK_EQ(o.test, SELFTEST_DF);
    CHECK_EQ(r.n, 0);
}

TEST(every_test_name_parses_to_its_own_value)
{
    /* SELFTEST_NAMES and enum selftest are one list in two places: each
     * name must land on its own value and the count must match. */
    char names[] = SELFTEST_NAMES, line[sizeof names + 8];
    int n = 0;
    for (char *w = names, *bar; w; w = bar ? bar + 1 : 0, n++) {
        bar = strchr(w, '|');
        if (bar)
            *bar = '\0';
        struct keel_options o;
        struct reports r = { 0 };
        options_defaults(&o);
        snprintf(line, sizeof line, "test=%s", w);
        CHECK_EQ(options_parse(line, &o, collect_report, &r), 0);
        CHECK_EQ(o.test, n);
    }
    CHECK_EQ(n, SELFTEST_COUNT);
}

TEST(unknown_and_bad_options_reported_and_ignored)
{
    struct keel_options o;
    struct reports r = { 0 };
    options_defaults(&o);
    CHECK_EQ(options_parse("frobnicate=1 loglvl=loud loglvl com1=9601 bare loglvl=warn", &o,
                           collect_report, &r), 5);
    CHECK_STR(r.msg[0], "unknown option 'frobnicate' ignored");
    CHECK_STR(r.msg[1], "loglvl=loud: expected one of error|warn|info|debug; ignored");
    CHECK_STR(r.msg[2], "loglvl: needs a value; ignored");
    CHECK_HAS(r.msg[3], "com1=9601: speed must divide 115200");
    CHECK_STR(r.msg[4], "unknown option 'bare' ignored");
    CHECK_EQ(o.loglvl, LOG_WARN);               /* the good one still applies */
    CHECK_EQ(o.com[0].baud, 115200);            /* the bad one changed nothing */
}

TEST(overlong_value_reported)
{
    char line[300] = "loglvl=";
    memset(line + 7, 'x', 200);
    struct keel_options o;
    struct reports r = { 0 };
    options_defaults(&o);
    CHECK_EQ(options_parse(line, &o, collect_report, &r), 1);
    CHECK_STR(r.msg[0], "loglvl= value longer than 127 bytes: ignored");
}

TEST(uart_config_forms)
{
    struct uart_config c = uart_default_config(0);
    CHECK(uart_parse_config("57600", &c) == NULL);
    CHECK_EQ(c.baud, 57600);
    CHECK(uart_parse_config("9600,0x2f8", &c) == NULL);   /* order after speed is free */
    CHECK_EQ(c.port, 0x2f8);
    CHECK(uart_parse_config("38400,0x3e8,5o1", &c) == NULL);
    CHECK_EQ(c.port, 0x3e8);
    CHECK_EQ(c.data_bits, 5);
    CHECK_EQ(c.parity, 'o');
    CHECK_EQ(c.baud, 38400);

    struct uart_config keep = c;
    CHECK(uart_parse_config("0", &c) != NULL);
    CHECK(uart_parse_config("230400", &c) != NULL);      /* faster than the clock */
    CHECK(uart_parse_config("9600,9n1", &c) != NULL);
    CHECK(uart_parse_config("9600,8x1", &c) != NULL);
    CHECK(uart_parse_config("9600,0x0", &c) != NULL);
    CHECK(uart_parse_config("9600,0x10000", &c) != NULL);
    CHECK(uart_parse_config("9600,,8n1", &c) != NULL);
    CHECK(uart_parse_config("9600,8n1,0x3f8,extra", &c) != NULL);
    CHECK(uart_parse_config("8n1", &c) != NULL);         /* speed comes first */
    CHECK(!memcmp(&c, &keep, sizeof(c)));                  /* failures change nothing */
}
