// fuzz: kernel/gdb/packet.c kernel/gdb/command.c kernel/lib/string.c
/* libFuzzer harness for the GDB stub's protocol layer: the input is the
 * byte stream a debugger (or anything on the serial line) sends. Each
 * byte goes through the receiver; each whole packet is decoded. Checked:
 *   - a packet the receiver accepts, framed again, is received again as
 *     the same bytes (escaping and checksum agree both ways);
 *   - the decoded numbers and data stay inside the packet (data, data_len);
 *   - vCont never holds more actions than it has room for.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -DKEEL_HOST_TEST \
 *       tests/fuzz/fuzz_gdb.c kernel/gdb/packet.c kernel/gdb/command.c \
 *       kernel/lib/string.c -o fg && ./fg */
#include <stdint.h>
#include <string.h>

#include "kernel/gdb/command.h"
#include "kernel/gdb/packet.h"

#define FUZZ_NAME "gdb"
#include "fuzz.h"

static struct gdb_rx rx, again;
static uint8_t framed[2 * GDB_PACKET_MAX + 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gdb_rx_reset(&rx);
    for (size_t i = 0; i < size; i++) {
        if (gdb_rx_byte(&rx, data[i]) != GDB_RX_PACKET)
            continue;
        ASSERT(rx.len <= GDB_PACKET_MAX && rx.data[rx.len] == 0);
        struct gdb_command c;
        gdb_decode((const char *)rx.data, rx.len, &c);
        if (c.data) {
            ASSERT(c.data >= (const char *)rx.data);
            ASSERT(c.data + c.data_len <= (const char *)rx.data + rx.len);
        }
        ASSERT(c.vcont_count <= GDB_VCONT_MAX);
        size_t n = gdb_frame(rx.data, rx.len, framed, sizeof(framed));
        ASSERT(n > 0);
        gdb_rx_reset(&again);
        enum gdb_rx_event last = GDB_RX_NONE;
        for (size_t k = 0; k < n; k++)
            last = gdb_rx_byte(&again, framed[k]);
        ASSERT(last == GDB_RX_PACKET);
        ASSERT(again.len == rx.len && !memcmp(again.data, rx.data, rx.len));
    }
    return 0;
}
