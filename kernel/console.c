#include "kernel/console.h"
#include "drivers/uart16550.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

#define EARLY_BUF_SIZE 16384

enum console_state { CONSOLE_EARLY, CONSOLE_UART, CONSOLE_OFF };

static enum console_state state;
static uint16_t port;
static char early_buf[EARLY_BUF_SIZE];
static size_t early_len;
static size_t early_lost;
static char description[64] = "off";

static void uart_out(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            uart_write(port, s + start, i - start);
            uart_write(port, "\r\n", 2);
            start = i + 1;
        }
    }
    uart_write(port, s + start, n - start);
}

static void flush_early(void)
{
    uart_out(early_buf, early_len);
    if (early_lost) {
        char msg[96];
        int n = ksnprintf(msg, sizeof(msg),
                          "[console] %zu bytes of early output did not fit and were lost\n",
                          early_lost);
        uart_out(msg, (size_t)n);
    }
    early_len = early_lost = 0;
}

void console_init(const struct uart_config *cfg)
{
    if (!cfg) {
        state = CONSOLE_OFF;
        early_len = early_lost = 0;
        return;
    }
    struct uart_config c = *cfg;
    bool fell_back = false;
    if (!uart_init(&c)) {
        c = uart_default_config(0);
        fell_back = uart_init(&c);
    }
    port = c.port;
    state = CONSOLE_UART;
    ksnprintf(description, sizeof(description), "serial port 0x%x at %u %u%c%u", c.port,
              c.baud, c.data_bits, c.parity - 'a' + 'A', c.stop_bits);
    flush_early();
    if (fell_back) {
        char msg[96];
        int n = ksnprintf(msg, sizeof(msg),
                          "[console] no UART answers at 0x%x: console on COM1 (0x%x)\n",
                          cfg->port, c.port);
        uart_out(msg, (size_t)n);
    }
}

const char *console_describe(void)
{
    return description;
}

void console_write(const char *s, size_t n)
{
    switch (state) {
    case CONSOLE_UART:
        uart_out(s, n);
        break;
    case CONSOLE_EARLY: {
        size_t room = EARLY_BUF_SIZE - early_len;
        size_t take = n < room ? n : room;
        memcpy(early_buf + early_len, s, take);
        early_len += take;
        early_lost += n - take;
        break;
    }
    case CONSOLE_OFF:
        break;
    }
}

void console_drain(void)
{
    if (state == CONSOLE_UART)
        uart_drain(port);
}

void console_emergency(void)
{
    if (state == CONSOLE_UART)
        return;
    struct uart_config c = uart_default_config(0);
    uart_init(&c);
    port = c.port;
    state = CONSOLE_UART;
    flush_early();
}

int console_getc(void)
{
    return state == CONSOLE_UART ? uart_getc(port) : -1;
}
