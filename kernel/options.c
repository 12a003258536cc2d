#include "kernel/options.h"
#include "kernel/log.h"
#include "kernel/lib/string.h"

#include <stddef.h>

/* The struct keel_options whose member `field` is at `p`. */
#define options_of(p, field) \
    ((struct keel_options *)((char *)(p) - offsetof(struct keel_options, field)))

struct keel_options keel_options;

/* console= and comN= also record that the command line chose the console
 * (drivers/serial_discover.c looks for one only when it did not). */
static const char *set_console(const struct option_desc *opt, const char *val, void *target)
{
    const char *why = option_set_choice(opt, val, target);
    if (!why)
        options_of(target, console)->console_given = true;
    return why;
}

static const char *set_uart(const struct option_desc *opt, const char *val, void *target)
{
    if (!val)
        return "needs a value such as 115200,8n1,0x3f8";
    const char *why = uart_parse_config(val, target);
    if (!why) {
        unsigned i = (unsigned)(opt->name[3] - '1');       /* "com1" .. "com4" */
        options_of((struct uart_config *)target - i, com)->com_given |= 1u << i;
    }
    return why;
}

/* bootok=cmos:INDEX[:VALUE]: INDEX 0x0e-0xff, or one of the clock's alarm
 * registers 0x01, 0x03, 0x05 (its other registers keep the time and its
 * modes); VALUE 1-0xff (GRUB clears the mark to 0). */
static const char *set_bootok(const struct option_desc *opt, const char *val, void *target)
{
    (void)opt;
    static const char *const why =
        "expected cmos:INDEX[:VALUE], INDEX 0x01, 0x03, 0x05 or 0x0e-0xff, VALUE 0x01-0xff";
    struct boot_mark *b = target;
    char word[24];
    uint64_t index, value = BOOT_MARK_DEFAULT;
    if (!val || strncmp(val, "cmos:", 5) || strlen(val + 5) >= sizeof(word))
        return why;
    memcpy(word, val + 5, strlen(val + 5) + 1);
    char *colon = strchr(word, ':');
    if (colon) {
        *colon = '\0';
        if (!parse_u64(colon + 1, &value) || value == 0 || value > 0xff)
            return why;
    }
    if (!parse_u64(word, &index) || index > 0xff ||
        (index < 0x0e && index != 0x01 && index != 0x03 && index != 0x05))
        return why;
    *b = (struct boot_mark){ true, (uint8_t)index, (uint8_t)value };
    return NULL;
}

/* focus=monitor|GUEST: a guest name is checked when the guests are known. */
static const char *set_focus(const struct option_desc *opt, const char *val, void *target)
{
    (void)opt;
    char *focus = target;
    if (!val || !*val || strlen(val) >= sizeof(keel_options.focus))
        return "expected monitor or a guest's name (at most 31 characters)";
    memcpy(focus, val, strlen(val) + 1);
    return NULL;
}

static const struct option_range cpus_range = {
    1, CPUS_MAX, 0, sizeof(unsigned), "expected a number from 1 to 256",
};

void options_defaults(struct keel_options *o)
{
    o->console = 0;
    o->console_given = false;
    o->com_given = 0;
    for (int i = 0; i < UART_PORTS; i++)
        o->com[i] = uart_default_config(i);
    o->loglvl = LOG_INFO;
    o->test = SELFTEST_NONE;
    o->acpi = ACPI_ON;
    o->shutdown = SHUTDOWN_AUTO;
    o->cpus = CPUS_MAX;
    o->vmx = VMX_ON;
    o->apicv = 1;
    o->raw = 0;
    o->onpanic = 0;
    o->gdb = 0;
    o->bootok = (struct boot_mark){ false, 0, 0 };
    memcpy(o->focus, "monitor", sizeof("monitor"));
}

int options_parse(const char *cmdline, struct keel_options *o, report_fn report,
                  void *ctx)
{
    const struct option_desc table[] = {
        { "console", set_console, &o->console, CONSOLE_NAMES },
        { "com1", set_uart, &o->com[0], NULL },
        { "com2", set_uart, &o->com[1], NULL },
        { "com3", set_uart, &o->com[2], NULL },
        { "com4", set_uart, &o->com[3], NULL },
        { "loglvl", option_set_choice, &o->loglvl, LOG_LEVEL_NAMES },
        { "test", option_set_choice, &o->test, SELFTEST_NAMES },
        { "acpi", option_set_choice, &o->acpi, ACPI_MODE_NAMES },
        { "shutdown", option_set_choice, &o->shutdown, SHUTDOWN_NAMES },
        { "cpus", option_set_range, &o->cpus, &cpus_range },
        { "vmx", option_set_choice, &o->vmx, VMX_MODE_NAMES },
        { "bench", option_set_choice, &o->bench, "off|on" },
        { "apicv", option_set_choice, &o->apicv, "off|on" },
        { "bootok", set_bootok, &o->bootok, NULL },
        { "focus", set_focus, o->focus, NULL },
        { "raw", option_set_choice, &o->raw, "off|on" },
        { "onpanic", option_set_choice, &o->onpanic, "poweroff|monitor" },
        { "gdb", option_set_choice, &o->gdb, "off|com2" },
    };
    return cmdline_apply(cmdline, table, sizeof(table) / sizeof(table[0]), report, ctx);
}
