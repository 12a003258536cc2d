#include "kernel/console_input.h"
#include "arch/x86/tsc.h"
#include "kernel/console.h"
#include "kernel/gdb/stub.h"
#include "kernel/guests.h"
#include "kernel/input_focus.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/monitor.h"
#include "kernel/options.h"
#include "kernel/spinlock.h"
#include "vmx/dev/devices.h"
#include "vmx/guest.h"

/* Bytes taken per poll at most: a poll is inside some guest's exit. */
#define POLL_BYTES_MAX 64

volatile int console_focus = FOCUS_MONITOR;
volatile uint64_t console_hot_until;

/* The console's input state: there is one console. Whoever holds
 * poll_lock owns the rest. */
static struct spinlock poll_lock;
static bool started;
static struct input_focus focus = { .target = FOCUS_MONITOR };
/* Bytes for a guest whose receiver was full: given again first. */
static struct input_step held;
static unsigned held_at;

static bool guest_ended(const struct guest *g)
{
    return g->finished;
}

/* The next focus from `target` that is the monitor or a guest still there. */
static int next_live(int target)
{
    unsigned n = guests_count();
    for (unsigned tries = 0; tries <= n && target >= 0 && guest_ended(guest_at((unsigned)target));
         tries++)
        target = input_focus_next(target, n);
    return target;
}

void console_input_announce(bool prompt)
{
    int t = console_focus;
    if (t == FOCUS_MONITOR) {
        log_info("console: input to Keel's monitor (Ctrl-A three times: next guest; 'help')");
        if (prompt)
            monitor_prompt();
        return;
    }
    struct guest *g = guest_at((unsigned)t);
    guest_console_flush(g);
    log_info("console: input to guest %s's COM1, its output as it comes (Ctrl-A three times: "
             "next)", g->cfg.name);
}

static void set_focus(int target, bool prompt)
{
    focus.target = target;
    focus.switch_keys = 0;
    __atomic_store_n(&console_focus, target, __ATOMIC_RELEASE);
    console_input_announce(prompt);
}

void console_input_start(void)
{
    int target = FOCUS_MONITOR;
    const char *want = keel_options.focus;
    if (want[0] && strcmp(want, "monitor")) {
        for (unsigned i = 0; i < guests_count(); i++)
            if (!strcmp(guest_at(i)->cfg.name, want))
                target = (int)i;
        if (target == FOCUS_MONITOR)
            log_warn("focus=%s: no guest of that name: input goes to the monitor", want);
    }
    gdb_stub_start();
    started = true;
    console_poll_due = 0;
    if (target == FOCUS_MONITOR) {     /* the default: a line less at boot */
        focus.target = FOCUS_MONITOR;
        return;
    }
    set_focus(target, false);
}

/* Give the held bytes to their guest; false when its receiver is full. */
static bool give_held(void)
{
    if (held.target < 0 || (unsigned)held.target >= guests_count()) {
        held.n = 0;
        return true;
    }
    struct guest *g = guest_at((unsigned)held.target);
    while (held_at < held.n) {
        if (guest_ended(g) || g->state != GUEST_RUNNING) {
            held.n = 0;         /* nobody to read it: dropped */
            break;
        }
        if (!vuart_input(g, held.bytes[held_at])) {
            if (!g->paused)
                return false;
            /* A guest the monitor paused reads nothing until resumed:
             * what its receiver cannot hold is dropped, so that the
             * console is still read (Ctrl-A, then 'resume'). */
            held.n = 0;
            break;
        }
        held_at++;
    }
    held.n = held_at = 0;
    return true;
}

static void take(uint8_t byte)
{
    struct input_step s = input_focus_key(&focus, byte, guests_count());
    if (s.switched) {
        set_focus(next_live(s.target), true);
        return;
    }
    if (s.target == FOCUS_MONITOR) {
        for (unsigned i = 0; i < s.n; i++)
            monitor_key(s.bytes[i]);
        return;
    }
    held = s;
    held_at = 0;
}

volatile uint64_t console_poll_due = UINT64_MAX;     /* none before the guests start */

void console_input_poll_now(uint64_t now)
{
    if (!started || !spin_trylock(&poll_lock))
        return;
    console_poll_due = now + tsc_hz / 1000 * CONSOLE_POLL_MS;
    if (console_hot_until && now > console_hot_until)
        console_hot_until = 0;
    for (unsigned i = 0; i < POLL_BYTES_MAX && give_held(); i++) {
        int c = console_getc();
        if (c < 0)
            break;
        console_hot_until = now + tsc_hz;
        take((uint8_t)c);
    }
    if (gdb_stub_poll())            /* the GDB stub's port, the same way */
        console_hot_until = now + tsc_hz;
    spin_unlock(&poll_lock);
}
