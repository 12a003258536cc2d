#include "drivers/uart_config.h"
#include "kernel/cmdline.h"
#include "kernel/lib/string.h"

static const uint16_t std_ports[UART_PORTS] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

struct uart_config uart_default_config(int index)
{
    return (struct uart_config){
        .port = std_ports[index], .baud = UART_DEFAULT_BAUD,
        .data_bits = 8, .parity = 'n', .stop_bits = 1,
    };
}

static const char *parse_field(const char *f, struct uart_config *c, int index)
{
    uint64_t v;
    if (index > 0 && strlen(f) == 3 && f[0] >= '5' && f[0] <= '8' &&
        (f[1] == 'n' || f[1] == 'o' || f[1] == 'e') && (f[2] == '1' || f[2] == '2')) {
        c->data_bits = (uint8_t)(f[0] - '0');
        c->parity = f[1];
        c->stop_bits = (uint8_t)(f[2] - '0');
        return NULL;
    }
    if (index > 0 && f[0] == '0' && f[1] == 'x') {
        if (!parse_u64(f, &v) || v == 0 || v > 0xfff8)
            return "I/O port must be 0x1..0xfff8";
        c->port = (uint16_t)v;
        return NULL;
    }
    if (index == 0) {
        if (!parse_u64(f, &v) || v == 0 || v > UART_CLOCK_BAUD || UART_CLOCK_BAUD % v)
            return "speed must divide 115200 (115200, 57600, 38400, 19200, 9600, ...)";
        c->baud = (uint32_t)v;
        return NULL;
    }
    return "expected <baud>[,<data><parity><stop> like 8n1][,<io-port> like 0x3f8]";
}

const char *uart_parse_config(const char *spec, struct uart_config *cfg)
{
    struct uart_config c = *cfg;
    char field[24];
    int index = 0;

    for (const char *s = spec;; index++) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (len == 0 || len >= sizeof(field) || index > 2)
            return "expected <baud>[,<data><parity><stop> like 8n1][,<io-port> like 0x3f8]";
        memcpy(field, s, len);
        field[len] = '\0';
        const char *why = parse_field(field, &c, index);
        if (why)
            return why;
        if (!comma)
            break;
        s = comma + 1;
    }
    *cfg = c;
    return NULL;
}
