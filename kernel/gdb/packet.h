/* The GDB remote serial protocol's framing (GDB manual, "Overview" of
 * "Remote Protocol"): a packet is `$data#cc`, cc the modulo-256 sum of the
 * data bytes in two hex digits; the receiver answers `+` (good) or `-`
 * (send it again); a lone 0x03 outside a packet is an interrupt (Ctrl-C).
 * Inside data, `}` escapes the byte after it (XOR 0x20): `#`, `$`, `}`
 * and `*` are sent that way. Pure: tests/unit/test_gdb_packet.c, fuzzed
 * by tests/fuzz/fuzz_gdb.c. */
#ifndef KEEL_GDB_PACKET_H
#define KEEL_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDB_PACKET_MAX 4096     /* data bytes, unescaped; qSupported says so */
#define GDB_INTERRUPT 0x03

enum gdb_rx_event {
    GDB_RX_NONE,                /* nothing yet */
    GDB_RX_PACKET,              /* a whole packet, checksum good: answer `+` */
    GDB_RX_BAD,                 /* a whole packet, checksum bad or too long: answer `-` */
    GDB_RX_INTERRUPT,           /* Ctrl-C */
    GDB_RX_ACK, GDB_RX_NACK,    /* `+`, `-` for what we sent */
};

struct gdb_rx {
    enum { RX_IDLE, RX_DATA, RX_ESCAPE, RX_SUM1, RX_SUM2 } state;
    uint8_t sum;                /* of the data bytes as sent */
    uint8_t given;              /* the checksum's first digit, then both */
    bool overflow;
    size_t len;
    uint8_t data[GDB_PACKET_MAX + 1];   /* unescaped; NUL after len */
};

void gdb_rx_reset(struct gdb_rx *r);

/* One byte from the line. On GDB_RX_PACKET the packet is in r->data
 * (r->len bytes, NUL-terminated) until the next call. */
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *r, uint8_t byte);

/* Frame `data` (n bytes) as a packet into `out` (room for `size`):
 * escaped, with its checksum. Returns the length, or 0 if it does not fit. */
size_t gdb_frame(const uint8_t *data, size_t n, uint8_t *out, size_t size);

/* Hex helpers for the packets' numbers and memory. */
int gdb_hex_digit(uint8_t c);                   /* 0-15, or -1 */
/* A hex number at *p (at least one digit, at most 16): its value, *p moved
 * past it; false if there is none or it is longer. */
bool gdb_parse_hex(const char **p, uint64_t *value);
/* `n` bytes as 2n hex digits (lower case), no NUL. */
void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out);
/* 2n hex digits to n bytes; false on a bad digit. */
bool gdb_hex_decode(const char *hex, size_t n, uint8_t *bytes);

#endif
