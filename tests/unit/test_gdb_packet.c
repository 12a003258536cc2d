// unit: kernel/gdb/packet.c
#include "kernel/gdb/packet.h"
#include "unit.h"

static struct gdb_rx rx;

static enum gdb_rx_event feed(const char *s)
{
    enum gdb_rx_event last = GDB_RX_NONE;
    for (; *s; s++) {
        enum gdb_rx_event e = gdb_rx_byte(&rx, (uint8_t)*s);
        if (e != GDB_RX_NONE)
            last = e;
    }
    return last;
}

TEST(a_packet_with_a_good_checksum)
{
    gdb_rx_reset(&rx);
    CHECK_EQ(feed("$g#67"), GDB_RX_PACKET);
    CHECK_STR((const char *)rx.data, "g");
    CHECK_EQ(feed("$qSupported:multiprocess+;swbreak+#c5"), GDB_RX_BAD);
    CHECK_EQ(feed("$m8000,4#95"), GDB_RX_PACKET);          /* its bytes sum to 0x95 */
    CHECK_STR((const char *)rx.data, "m8000,4");
    CHECK_EQ(rx.len, 7u);
}

TEST(a_bad_checksum_or_digit_is_bad)
{
    gdb_rx_reset(&rx);
    CHECK_EQ(feed("$g#68"), GDB_RX_BAD);
    CHECK_EQ(feed("$g#6z"), GDB_RX_BAD);
    CHECK_EQ(feed("$g#6G"), GDB_RX_BAD);
}

TEST(acks_interrupts_and_noise_between_packets)
{
    gdb_rx_reset(&rx);
    CHECK_EQ(gdb_rx_byte(&rx, '+'), GDB_RX_ACK);
    CHECK_EQ(gdb_rx_byte(&rx, '-'), GDB_RX_NACK);
    CHECK_EQ(gdb_rx_byte(&rx, 0x03), GDB_RX_INTERRUPT);
    CHECK_EQ(gdb_rx_byte(&rx, 'x'), GDB_RX_NONE);
    /* inside a packet 0x03 is data */
    CHECK_EQ(feed("$\x03#03"), GDB_RX_PACKET);
    CHECK_EQ(rx.data[0], 0x03);
}

TEST(escapes_are_undone_and_summed_as_sent)
{
    gdb_rx_reset(&rx);
    /* X8000,1:} followed by 0x03 ('#' ^ 0x20): the byte is '#' */
    uint8_t framed[32];
    const uint8_t data[] = { 'X', '1', ':', '#', '}', '$', '*' };
    size_t n = gdb_frame(data, sizeof(data), framed, sizeof(framed));
    CHECK(n > 0);
    framed[n] = 0;
    CHECK(!memcmp(framed, "$X1:}\x03}", 7));    /* "#" went out as "}" 0x03 */
    enum gdb_rx_event last = GDB_RX_NONE;
    for (size_t i = 0; i < n; i++) {
        enum gdb_rx_event e = gdb_rx_byte(&rx, framed[i]);
        if (e != GDB_RX_NONE)
            last = e;
    }
    CHECK_EQ(last, GDB_RX_PACKET);
    CHECK_EQ(rx.len, sizeof(data));
    CHECK(!memcmp(rx.data, data, sizeof(data)));
}

TEST(frame_gives_the_checksum_and_refuses_what_does_not_fit)
{
    uint8_t out[16];
    size_t n = gdb_frame((const uint8_t *)"OK", 2, out, sizeof(out));
    CHECK_EQ(n, 6u);
    CHECK(!memcmp(out, "$OK#9a", 6));
    CHECK_EQ(gdb_frame((const uint8_t *)"0123456789abcdef", 16, out, sizeof(out)), 0u);
    n = gdb_frame((const uint8_t *)"", 0, out, sizeof(out));
    CHECK_EQ(n, 4u);
    CHECK(!memcmp(out, "$#00", 4));
}

TEST(a_packet_too_long_is_bad_and_a_new_start_restarts)
{
    gdb_rx_reset(&rx);
    gdb_rx_byte(&rx, '$');
    for (int i = 0; i < GDB_PACKET_MAX + 10; i++)
        gdb_rx_byte(&rx, 'a');
    CHECK_EQ(feed("#00"), GDB_RX_BAD);
    CHECK_EQ(feed("$gar$g#67"), GDB_RX_PACKET);
    CHECK_STR((const char *)rx.data, "g");
}

TEST(hex_numbers_and_bytes)
{
    const char *p = "fFe0,10";
    uint64_t v = 0;
    CHECK(gdb_parse_hex(&p, &v));
    CHECK_EQ(v, 0xffe0u);
    CHECK_EQ(*p, ',');
    p = ",";
    CHECK(!gdb_parse_hex(&p, &v));
    p = "11111111111111111";            /* 17 digits */
    CHECK(!gdb_parse_hex(&p, &v));
    p = "ffffffffffffffff";
    CHECK(gdb_parse_hex(&p, &v));
    CHECK_EQ(v, UINT64_MAX);
    uint8_t b[3];
    char hex[7] = { 0 };
    CHECK(gdb_hex_decode("00a5FF", 3, b));
    CHECK_EQ(b[1], 0xa5);
    CHECK_EQ(b[2], 0xff);
    gdb_hex_encode(b, 3, hex);
    CHECK_STR(hex, "00a5ff");
    CHECK(!gdb_hex_decode("0g", 1, b));
}
