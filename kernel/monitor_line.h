/* The monitor's line editor: printable bytes are kept and echoed,
 * backspace (BS or DEL) rubs one out, Ctrl-U the whole line, CR or LF
 * ends it. Pure: tests/unit/test_monitor_line.c. */
#ifndef KEEL_MONITOR_LINE_H
#define KEEL_MONITOR_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MONITOR_LINE_MAX 80
#define MONITOR_ARGS_MAX 6      /* more than any command takes: too many is seen */

struct monitor_line {
    char buf[MONITOR_LINE_MAX + 1];
    unsigned len;
    bool last_cr;               /* CR LF is one end of line, not two */
};

/* One byte typed. Writes what to echo into `echo` (at most 4 bytes) and
 * its length into `*echo_n`; returns true when the byte ended a line,
 * which is then in `buf`, NUL-terminated (the next key starts a new one). */
bool monitor_line_key(struct monitor_line *l, uint8_t byte, char *echo, size_t *echo_n);

/* Split the line in `buf` (modified) into at most MONITOR_ARGS_MAX words;
 * returns how many. */
unsigned monitor_split(char *buf, char *argv[MONITOR_ARGS_MAX]);

#endif
