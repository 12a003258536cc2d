#include "kernel/log.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/spinlock.h"

#define LOG_LINE_MAX 256

enum log_level log_level = LOG_INFO;
volatile bool log_emergency;

/* One line at a time on the console, whichever CPU writes it. */
static struct spinlock console_lock;
/* Whether the console's cursor is in a line log_raw left open. */
static bool mid_line;

static const char *const level_word[] = {
    [LOG_ERROR] = "error: ",
    [LOG_WARN] = "warning: ",
    [LOG_INFO] = "",
    [LOG_DEBUG] = "debug: ",
};

/* Ends a formatted line (marking a cut) and writes it in one piece. */
static void log_emit(char *line, size_t len)
{
    if (len > LOG_LINE_MAX - 2) {       /* too long: mark the cut */
        len = LOG_LINE_MAX - 2;
        line[len - 3] = line[len - 2] = line[len - 1] = '.';
    }
    line[len++] = '\n';
    if (log_emergency) {
        if (mid_line)
            console_write("\n", 1);
        mid_line = false;
        console_write(line, len);
        return;
    }
    spin_lock(&console_lock);
    if (mid_line)
        console_write("\n", 1);
    mid_line = false;
    console_write(line, len);
    spin_unlock(&console_lock);
}

static void log_line(const char *word, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    int n = ksnprintf(line, sizeof(line), "[cpu%u] %s", this_cpu_id(), word);
    int m = kvsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    log_emit(line, (size_t)n + (size_t)m);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_line(level_word[level], fmt, ap);
    va_end(ap);
}

void log_dump(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("  ", fmt, ap);
    va_end(ap);
}

void log_always(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("", fmt, ap);
    va_end(ap);
}

void log_guest(const char *name, const char *s, size_t n)
{
    if (log_level < LOG_INFO)
        return;
    char line[LOG_LINE_MAX];
    int len = ksnprintf(line, sizeof(line), "(%s) %.*s", name, (int)n, s);
    log_emit(line, (size_t)len);
}

void log_raw(const char *s, size_t n)
{
    if (!n)
        return;
    if (log_emergency) {                /* a stopped CPU may hold the lock */
        console_write(s, n);
        mid_line = s[n - 1] != '\n';
        return;
    }
    spin_lock(&console_lock);
    console_write(s, n);
    mid_line = s[n - 1] != '\n';
    spin_unlock(&console_lock);
}
