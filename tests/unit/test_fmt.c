// unit: kernel/lib/fmt.c
#include "kernel/lib/fmt.h"
#include "unit.h"

/* Keel's formatting must agree with the C library's for every conversion
 * Keel uses. */
#define SAME(...)                                                           \
    do {                                                                    \
        char k_[128], c_[128];                                              \
        int kn_ = ksnprintf(k_, sizeof(k_), __VA_ARGS__);                   \
        int cn_ = snprintf(c_, sizeof(c_), __VA_ARGS__);                    \
        CHECK_STR(k_, c_);                                                  \
        CHECK_EQ(kn_, cn_);                                                 \
    } while (0)

TEST(integers_match_libc)
{
    SAME("%d %i %u", 0, -1, 42u);
    SAME("%d", -2147483647 - 1);
    SAME("%lld %llu", -9223372036854775807ll - 1, 18446744073709551615ull);
    SAME("%ld %lu %zu %zd", -5l, 7ul, (size_t)123, (ssize_t)-9);
    SAME("%hhd %hhu %hd %hu", -3, 250, -300, 65000);
    SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42);
    SAME("%.3d|%8.3d|%-8.3d", 7, 7, 7);
    SAME("%.0d|%.0x", 0, 0);
    SAME("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
    SAME("%05d", -42);
}

TEST(hex_octal_pointer_match_libc)
{
    SAME("%x %X %#x %#X %#x", 0xdeadbeefu, 0xdeadbeefu, 255u, 255u, 0u);
    SAME("%016llx %llx", 0x1234ull, 0xffffffffffffffffull);
    SAME("%#o %o", 8u, 0u);
    SAME("%p", (void *)0x1000);
    SAME("%#10x|%-#10x", 0xabu, 0xabu);
}

TEST(strings_and_chars_match_libc)
{
    SAME("%s|%10s|%-10s|%.2s|%.*s", "abc", "abc", "abc", "abc", 1, "xyz");
    SAME("%c%c%3c%-3c|", 'a', 'b', 'c', 'd');
    SAME("100%% done");
    SAME("%s", "");
}

TEST(truncation_and_return_value)
{
    char buf[8];
    int n = ksnprintf(buf, sizeof(buf), "%s", "hello world");
    CHECK_EQ(n, 11);
    CHECK_STR(buf, "hello w");
    n = ksnprintf(buf, 1, "abc");
    CHECK_EQ(n, 3);
    CHECK_EQ(buf[0], 0);
    buf[0] = 'x';
    n = ksnprintf(buf, 0, "abc");   /* size 0: nothing written */
    CHECK_EQ(n, 3);
    CHECK_EQ(buf[0], 'x');
    n = ksnprintf(buf, sizeof(buf), "%d", 1234567890);
    CHECK_STR(buf, "1234567");
    CHECK_EQ(n, 10);
}

#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"
TEST(null_string_and_unknown_conversion)
{
    char buf[32];
    ksnprintf(buf, sizeof(buf), "%s", (char *)NULL);
    CHECK_STR(buf, "(null)");
    ksnprintf(buf, sizeof(buf), "a%qb");    /* shown, not guessed at */
    CHECK_STR(buf, "a%qb");
    ksnprintf(buf, sizeof(buf), "end%");
    CHECK_STR(buf, "end");
}

TEST(zero_flag_ignored_with_precision)
{
    char buf[32];
    ksnprintf(buf, sizeof(buf), "%08.3d|", 7);  /* C: '0' ignored with a precision */
    CHECK_STR(buf, "     007|");
}

#pragma GCC diagnostic warning "-Wformat"
TEST(sizes_in_whole_units)
{
    char buf[32];
    CHECK_STR(fmt_size(buf, sizeof(buf), 0), "0 bytes");
    CHECK_STR(fmt_size(buf, sizeof(buf), 1023), "1023 bytes");
    CHECK_STR(fmt_size(buf, sizeof(buf), 1024), "1 KiB");
    CHECK_STR(fmt_size(buf, sizeof(buf), 639 * 1024), "639 KiB");
    CHECK_STR(fmt_size(buf, sizeof(buf), 0xffe0000 - 0x100000), "254 MiB");
    CHECK_STR(fmt_size(buf, sizeof(buf), 4ull << 30), "4 GiB");
    CHECK_STR(fmt_size(buf, sizeof(buf), 12ull << 30), "12 GiB");
    CHECK_STR(fmt_size(buf, sizeof(buf), 1536), "1536 bytes");
}
