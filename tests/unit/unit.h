/* A minimal host test harness. A test file's first line names the Keel
 * sources it links ("// unit: kernel/mb2.c ..."); TEST() registers a case;
 * CHECK*() record failures and carry on. The binary prints one line per
 * case and ends with "unit: N passed, M failed" (tests/run.sh adds them). */
#ifndef KEEL_TESTS_UNIT_H
#define KEEL_TESTS_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*unit_fn)(void);
static struct { const char *name; unit_fn fn; } unit_cases[256];
static int unit_ncases, unit_case_failed;

#define TEST(case_)                                                         \
    static void case_(void);                                                \
    __attribute__((constructor)) static void unit_reg_##case_(void)         \
    {                                                                       \
        unit_cases[unit_ncases].name = #case_;                              \
        unit_cases[unit_ncases++].fn = case_;                               \
    }                                                                       \
    static void case_(void)

#define UNIT_FAIL(...)                                                      \
    do {                                                                    \
        printf("    %s:%d: ", __FILE__, __LINE__);                          \
        printf(__VA_ARGS__);                                                \
        printf("\n");                                                       \
        unit_case_failed = 1;                                               \
    } while (0)

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond))                                                        \
            UNIT_FAIL("CHECK(%s)", #cond);                                  \
    } while (0)

#define CHECK_EQ(a, b)                                                      \
    do {                                                                    \
        unsigned long long a_ = (unsigned long long)(a);                    \
        unsigned long long b_ = (unsigned long long)(b);                    \
        if (a_ != b_)                                                       \
            UNIT_FAIL("%s == %s: 0x%llx != 0x%llx", #a, #b, a_, b_);        \
    } while (0)

#define CHECK_STR(a, b)                                                     \
    do {                                                                    \
        const char *a_ = (a), *b_ = (b);                                    \
        if (!a_ || !b_ || strcmp(a_, b_))                                   \
            UNIT_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", \
                      b_ ? b_ : "(null)");                                  \
    } while (0)

/* Substring check, for messages. */
#define CHECK_HAS(hay, needle)                                              \
    do {                                                                    \
        const char *h_ = (hay);                                             \
        if (!h_ || !strstr(h_, (needle)))                                   \
            UNIT_FAIL("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", (needle)); \
    } while (0)

int main(void)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < unit_ncases; i++) {
        unit_case_failed = 0;
        unit_cases[i].fn();
        printf("%s %s\n", unit_case_failed ? "FAIL" : "ok  ", unit_cases[i].name);
        if (unit_case_failed)
            failed++;
        else
            passed++;
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

/* Collects the messages a parser reports. */
struct reports {
    int n;
    char msg[32][200];
};

static inline void collect_report(void *ctx, const char *msg)
{
    struct reports *r = ctx;
    if (r->n < 32)
        snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", msg);
    r->n++;
}

#endif
