/* Console input (docs/console.md): what a person types on Keel's serial
 * console goes to the input focus, Keel's monitor or one guest's COM1
 * (kernel/input_focus.h). No CPU waits for it: the UART is polled by
 * whichever CPU takes a VMX-preemption timer exit first (each does at
 * least every 100 ms, the watchdog, and every millisecond for a second
 * after a key, so that typing and pasting keep up). */
#ifndef KEEL_CONSOLE_INPUT_H
#define KEEL_CONSOLE_INPUT_H

#include <stdbool.h>
#include <stdint.h>

/* The focus: a guest's index, or FOCUS_MONITOR. The guest that has it
 * writes its console output as it comes (vmx/dev/console.c). */
extern volatile int console_focus;

/* Until this TSC value, poll often (a key came in); 0 when not (the poll
 * clears it once it has passed), so that the watchdog's choice costs one
 * load (vmx/event.h). */
extern volatile uint64_t console_hot_until;

/* Before the guests run: the focus from focus= (docs/options.md), and the
 * line that says where input goes. */
void console_input_start(void);

/* Read what has been typed and pass it on; returns at once when another
 * CPU is at it, or when the last poll was less than CONSOLE_POLL_MS ago
 * (a timer exit can come every few microseconds: the check is two
 * instructions). `now` is the TSC. */
#define CONSOLE_POLL_MS 1
extern volatile uint64_t console_poll_due;
void console_input_poll_now(uint64_t now);
static inline void console_input_poll(uint64_t now)
{
    if (__builtin_expect(now >= console_poll_due, 0))
        console_input_poll_now(now);
}

/* The focus moved (Ctrl-A three times, or the monitor's commands): say so,
 * and show the monitor's prompt if `prompt` and the monitor has it. */
void console_input_announce(bool prompt);

#endif
