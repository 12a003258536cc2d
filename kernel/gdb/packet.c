#include "kernel/gdb/packet.h"

#define ESCAPE 0x7d             /* '}' */
#define ESCAPE_XOR 0x20

void gdb_rx_reset(struct gdb_rx *r)
{
    r->state = RX_IDLE;
    r->len = 0;
    r->sum = 0;
    r->overflow = false;
    r->data[0] = 0;
}

static void keep(struct gdb_rx *r, uint8_t byte)
{
    if (r->len < GDB_PACKET_MAX)
        r->data[r->len++] = byte;
    else
        r->overflow = true;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *r, uint8_t byte)
{
    switch (r->state) {
    case RX_IDLE:
        if (byte == '$') {
            gdb_rx_reset(r);
            r->state = RX_DATA;
        } else if (byte == GDB_INTERRUPT) {
            return GDB_RX_INTERRUPT;
        } else if (byte == '+') {
            return GDB_RX_ACK;
        } else if (byte == '-') {
            return GDB_RX_NACK;
        }
        return GDB_RX_NONE;     /* noise between packets */
    case RX_DATA:
        if (byte == '$') {      /* a new start: the old packet was cut */
            gdb_rx_reset(r);
            r->state = RX_DATA;
            return GDB_RX_NONE;
        }
        if (byte == '#') {
            r->state = RX_SUM1;
            return GDB_RX_NONE;
        }
        r->sum = (uint8_t)(r->sum + byte);
        if (byte == ESCAPE)
            r->state = RX_ESCAPE;
        else
            keep(r, byte);
        return GDB_RX_NONE;
    case RX_ESCAPE:
        r->sum = (uint8_t)(r->sum + byte);
        keep(r, byte ^ ESCAPE_XOR);
        r->state = RX_DATA;
        return GDB_RX_NONE;
    case RX_SUM1: {
        int d = gdb_hex_digit(byte);
        r->given = (uint8_t)(d < 0 ? 0 : d);
        r->overflow |= d < 0;
        r->state = RX_SUM2;
        return GDB_RX_NONE;
    }
    case RX_SUM2: {
        int d = gdb_hex_digit(byte);
        bool good = d >= 0 && !r->overflow && (uint8_t)(r->given << 4 | d) == r->sum;
        r->state = RX_IDLE;
        r->data[r->len] = 0;
        return good ? GDB_RX_PACKET : GDB_RX_BAD;
    }
    }
    r->state = RX_IDLE;
    return GDB_RX_NONE;
}

static const char hex_digits[] = "0123456789abcdef";

size_t gdb_frame(const uint8_t *data, size_t n, uint8_t *out, size_t size)
{
    size_t at = 0;
    uint8_t sum = 0;
    if (size < 4)
        return 0;
    out[at++] = '$';
    for (size_t i = 0; i < n; i++) {
        uint8_t b = data[i];
        bool escape = b == '#' || b == '$' || b == ESCAPE || b == '*';
        if (at + (escape ? 2 : 1) + 3 > size)
            return 0;
        if (escape) {
            out[at++] = ESCAPE;
            sum = (uint8_t)(sum + ESCAPE);
            b ^= ESCAPE_XOR;
        }
        out[at++] = b;
        sum = (uint8_t)(sum + b);
    }
    out[at++] = '#';
    out[at++] = (uint8_t)hex_digits[sum >> 4];
    out[at++] = (uint8_t)hex_digits[sum & 15];
    return at;
}

int gdb_hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool gdb_parse_hex(const char **p, uint64_t *value)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0;
    for (int d; (d = gdb_hex_digit((uint8_t)*s)) >= 0; s++, n++) {
        if (n == 16)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    if (!n)
        return false;
    *value = v;
    *p = s;
    return true;
}

void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_digits[bytes[i] >> 4];
        out[2 * i + 1] = hex_digits[bytes[i] & 15];
    }
}

bool gdb_hex_decode(const char *hex, size_t n, uint8_t *bytes)
{
    for (size_t i = 0; i < n; i++) {
        int hi = gdb_hex_digit((uint8_t)hex[2 * i]), lo = hi < 0 ? -1 : gdb_hex_digit((uint8_t)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
