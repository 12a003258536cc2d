/* Leveled log lines with a CPU prefix: "[cpu0] warning: ...", and the
 * guests' console lines, "(NAME) ...". Each call is one line, written to
 * the console in one piece. */
#ifndef KEEL_LOG_H
#define KEEL_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/lib/fmt.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
#define LOG_LEVEL_NAMES "error|warn|info|debug"     /* the loglvl= choices */

extern enum log_level log_level;

/* Set on the way down (panic, exception): lines are written without
 * taking the console lock, which a stopped CPU may hold. */
extern volatile bool log_emergency;

void log_printf(enum log_level level, const char *fmt, ...) KEEL_PRINTF(2, 3);
/* A line of a diagnostic dump: always printed, indented, no level word. */
void log_dump(const char *fmt, ...) KEEL_PRINTF(1, 2);
/* A line printed whatever loglvl= says (the power-off line, which the
 * test harness reads). */
void log_always(const char *fmt, ...) KEEL_PRINTF(1, 2);

/* A line of a guest's own console output, "(NAME) text": no CPU prefix,
 * so that it reads apart from Keel's own lines, "[cpuN] ..." (Xen's
 * "(d1)"). The caller has made the text printable. Printed at loglvl=info
 * and above, as the guest's output always has been. */
void log_guest(const char *name, const char *s, size_t n);

/* Bytes as they are, not a line: the output of the guest that has the
 * input focus, and the monitor's echo. A log line that follows bytes
 * which did not end a line starts on a new one. */
void log_raw(const char *s, size_t n);

#define log_err(...)   log_printf(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
