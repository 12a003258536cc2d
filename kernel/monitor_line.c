#include "kernel/monitor_line.h"

bool monitor_line_key(struct monitor_line *l, uint8_t byte, char *echo, size_t *echo_n)
{
    *echo_n = 0;
    bool after_cr = l->last_cr;
    l->last_cr = byte == '\r';
    if (byte == '\r' || byte == '\n') {
        if (byte == '\n' && after_cr)
            return false;
        l->buf[l->len] = '\0';
        l->len = 0;
        echo[(*echo_n)++] = '\n';
        return true;
    }
    if (byte == 0x08 || byte == 0x7f) {
        if (l->len) {
            l->len--;
            echo[(*echo_n)++] = '\b';
            echo[(*echo_n)++] = ' ';
            echo[(*echo_n)++] = '\b';
        }
        return false;
    }
    if (byte == 0x15) {                 /* Ctrl-U */
        l->len = 0;
        echo[(*echo_n)++] = '\n';
        return false;
    }
    if (byte < 0x20 || byte > 0x7e || l->len == MONITOR_LINE_MAX)
        return false;
    l->buf[l->len++] = (char)byte;
    echo[(*echo_n)++] = (char)byte;
    return false;
}

unsigned monitor_split(char *buf, char *argv[MONITOR_ARGS_MAX])
{
    unsigned n = 0;
    char *p = buf;
    while (*p && n < MONITOR_ARGS_MAX) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        argv[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}
