#include "kernel/lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
    char *buf;
    size_t size;
    size_t len;     /* length of the full output, even past size */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left, zero, plus, space, alt;
    int width;
    int prec;       /* -1: none */
};

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
    int n = 0;
    if (!s)
        s = "(null)";
    while (s[n] && (sp->prec < 0 || n < sp->prec))
        n++;
    if (!sp->left)
        pad(o, ' ', sp->width - n);
    for (int i = 0; i < n; i++)
        put(o, s[i]);
    if (sp->left)
        pad(o, ' ', sp->width - n);
}

static void put_num(struct out *o, const struct spec *sp, uint64_t v, bool neg,
                    unsigned base, bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    if (!(v == 0 && sp->prec == 0)) {
        do {
            tmp[n++] = digits[v % base];
            v /= base;
        } while (v);
    }
    char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
    int plen = 0;
    while (prefix && prefix[plen])
        plen++;
    int zeros = sp->prec > n ? sp->prec - n : 0;
    int total = n + zeros + plen + (sign ? 1 : 0);
    if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
        zeros += sp->width - total;
        total = sp->width;
    }
    if (!sp->left)
        pad(o, ' ', sp->width - total);
    if (sign)
        put(o, sign);
    for (int i = 0; i < plen; i++)
        put(o, prefix[i]);
    pad(o, '0', zeros);
    while (n)
        put(o, tmp[--n]);
    if (sp->left)
        pad(o, ' ', sp->width - total);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static uint64_t arg_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_LONG: return va_arg(*ap, unsigned long);
    case LEN_LLONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE: return va_arg(*ap, size_t);
    default: return va_arg(*ap, unsigned int);
    }
}

static int64_t arg_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR: return (signed char)va_arg(*ap, int);
    case LEN_SHORT: return (short)va_arg(*ap, int);
    case LEN_LONG: return va_arg(*ap, long);
    case LEN_LLONG: return va_arg(*ap, long long);
    case LEN_SIZE: return va_arg(*ap, long);
    default: return va_arg(*ap, int);
    }
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = { buf, size, 0 };
    va_list ap;
    va_copy(ap, ap_in);

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        struct spec sp = { .prec = -1 };
        for (;; fmt++) {
            char f = fmt[1];
            if (f == '-') sp.left = true;
            else if (f == '0') sp.zero = true;
            else if (f == '+') sp.plus = true;
            else if (f == ' ') sp.space = true;
            else if (f == '#') sp.alt = true;
            else break;
        }
        fmt++;
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0) {
                sp.left = true;
                sp.width = -sp.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                sp.width = sp.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            sp.prec = 0;
            if (*fmt == '*') {
                sp.prec = va_arg(ap, int);
                if (sp.prec < 0)
                    sp.prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    sp.prec = sp.prec * 10 + (*fmt++ - '0');
            }
        }
        enum length len = LEN_INT;
        if (*fmt == 'h') {
            len = LEN_SHORT;
            if (*++fmt == 'h') {
                len = LEN_CHAR;
                fmt++;
            }
        } else if (*fmt == 'l') {
            len = LEN_LONG;
            if (*++fmt == 'l') {
                len = LEN_LLONG;
                fmt++;
            }
        } else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't') {
            len = LEN_SIZE;
            fmt++;
        }

        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = arg_signed(&ap, len);
            uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
            put_num(&o, &sp, mag, v < 0, 10, false, NULL);
            break;
        }
        case 'u':
            put_num(&o, &sp, arg_unsigned(&ap, len), false, 10, false, NULL);
            break;
        case 'x':
        case 'X': {
            uint64_t v = arg_unsigned(&ap, len);
            const char *pre = sp.alt && v ? (*fmt == 'x' ? "0x" : "0X") : NULL;
            put_num(&o, &sp, v, false, 16, *fmt == 'X', pre);
            break;
        }
        case 'o': {
            uint64_t v = arg_unsigned(&ap, len);
            put_num(&o, &sp, v, false, 8, false, sp.alt && v ? "0" : NULL);
            break;
        }
        case 'p':
            put_num(&o, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x");
            break;
        case 's':
            put_str(&o, &sp, va_arg(ap, const char *));
            break;
        case 'c': {
            char c[2] = { (char)va_arg(ap, int), 0 };
            sp.prec = 1;
            if (!c[0]) {        /* a NUL character still counts */
                if (!sp.left)
                    pad(&o, ' ', sp.width - 1);
                put(&o, 0);
                if (sp.left)
                    pad(&o, ' ', sp.width - 1);
            } else {
                put_str(&o, &sp, c);
            }
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;      /* a lone '%' at the end: print nothing more */
            break;
        default:        /* unknown conversion: show it, do not guess */
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    va_end(ap);
    return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

const char *fmt_size(char *buf, size_t size, unsigned long long bytes)
{
    static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    int u = 0;
    while (u < 4 && bytes >= 1024 && (bytes % 1024 == 0 || bytes >= 10 * 1024)) {
        bytes /= 1024;
        u++;
    }
    ksnprintf(buf, size, "%llu %s", bytes, unit[u]);
    return buf;
}

void reportf(report_fn report, void *ctx, const char *fmt, ...)
{
    if (!report)
        return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    report(ctx, msg);
}
