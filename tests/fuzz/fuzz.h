/* What Keel's libFuzzer harnesses share: an invariant that fails aborts
 * with a message libFuzzer shows (scripts/fuzz.sh prints it), and a
 * reader that takes little-endian numbers off the front of the input.
 * A harness defines FUZZ_NAME before including this. */
#ifndef KEEL_TESTS_FUZZ_H
#define KEEL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FAIL(...)                                                           \
    do {                                                                    \
        fprintf(stderr, FUZZ_NAME " invariant: " __VA_ARGS__);              \
        fprintf(stderr, "\n");                                              \
        abort();                                                            \
    } while (0)
#define ASSERT(cond)                                                        \
    do {                                                                    \
        if (!(cond))                                                        \
            FAIL("%s (line %d)", #cond, __LINE__);                          \
    } while (0)

struct input {
    const uint8_t *p;
    size_t n;
};

/* `bytes` bytes (fewer at the end of the input, 0 past it). */
static inline uint64_t take(struct input *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && in->n; i++, in->n--)
        v |= (uint64_t)*in->p++ << (8 * i);
    return v;
}

#endif
