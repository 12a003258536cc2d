// unit: kernel/monitor_line.c
#include "kernel/monitor_line.h"
#include "unit.h"

static bool type(struct monitor_line *l, const char *s, char *echoed)
{
    bool done = false;
    size_t at = 0;
    for (; *s; s++) {
        char e[4];
        size_t n;
        done = monitor_line_key(l, (uint8_t)*s, e, &n);
        memcpy(echoed + at, e, n);
        at += n;
    }
    echoed[at] = '\0';
    return done;
}

TEST(a_line_is_echoed_and_ends_at_cr)
{
    struct monitor_line l = { 0 };
    char echo[64];
    CHECK(type(&l, "cpus\r", echo));
    CHECK_STR(l.buf, "cpus");
    CHECK_STR(echo, "cpus\n");
}

TEST(crlf_ends_one_line_not_two)
{
    struct monitor_line l = { 0 };
    char echo[64], e[4];
    size_t n;
    CHECK(type(&l, "a\r", echo));
    CHECK(!monitor_line_key(&l, '\n', e, &n));
    CHECK_EQ(n, 0u);
    CHECK(type(&l, "\n", echo));            /* a lone LF is a line (empty) */
    CHECK_STR(l.buf, "");
}

TEST(backspace_and_delete_rub_out)
{
    struct monitor_line l = { 0 };
    char echo[64];
    CHECK(type(&l, "gx\x7fuests\bs\r", echo));
    CHECK_STR(l.buf, "guests");
    CHECK_STR(echo, "gx\b \buests\b \bs\n");
    CHECK(type(&l, "\b\b\r", echo));        /* nothing to rub out: no echo */
    CHECK_STR(echo, "\n");
}

TEST(control_bytes_are_dropped_and_ctrl_u_clears)
{
    struct monitor_line l = { 0 };
    char echo[64];
    CHECK(type(&l, "ab\x1b[A\x15help\r", echo));
    CHECK_STR(l.buf, "help");
}

TEST(a_long_line_is_cut_at_the_limit)
{
    struct monitor_line l = { 0 };
    char in[200], echo[256];
    memset(in, 'x', 150);
    in[150] = '\r';
    in[151] = '\0';
    CHECK(type(&l, in, echo));
    CHECK_EQ(strlen(l.buf), (size_t)MONITOR_LINE_MAX);
}

TEST(split_into_words)
{
    char buf[] = "  mem  linux 0x1000\t16 extra more most";
    char *argv[MONITOR_ARGS_MAX];
    unsigned n = monitor_split(buf, argv);
    CHECK_EQ(n, (unsigned)MONITOR_ARGS_MAX);        /* the rest is left: too many anyway */
    CHECK_STR(argv[0], "mem");
    CHECK_STR(argv[1], "linux");
    CHECK_STR(argv[2], "0x1000");
    CHECK_STR(argv[3], "16");
    CHECK_STR(argv[4], "extra");
    char empty[] = "   ";
    CHECK_EQ(monitor_split(empty, argv), 0u);
}
