/* printf-style formatting into a buffer, for the log and diagnostics.
 * Conversions: %d %i %u %x %X %o %p %s %c %% with flags "-0+ #", width and
 * precision (also "*"), and length modifiers hh h l ll z j t. Always
 * NUL-terminates (when size > 0); returns the length the full output would
 * have had, like C99 vsnprintf. Pure: also built into host unit tests. */
#ifndef KEEL_LIB_FMT_H
#define KEEL_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

#define KEEL_PRINTF(f, a) __attribute__((format(printf, f, a)))

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) KEEL_PRINTF(3, 4);

/* Where pure parsers send what they find wrong: one message per call. */
typedef void (*report_fn)(void *ctx, const char *msg);

/* Format a message and hand it to `report` (nothing when it is NULL). */
void reportf(report_fn report, void *ctx, const char *fmt, ...) KEEL_PRINTF(3, 4);

/* A byte count in the largest unit that keeps it whole or above 10:
 * "639 KiB", "255 MiB", "4 GiB". */
const char *fmt_size(char *buf, size_t size, unsigned long long bytes);

#endif
