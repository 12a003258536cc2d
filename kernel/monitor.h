/* Keel's monitor (docs/console.md): the commands a person types on the
 * serial console when the input focus is Keel's. It runs on the CPU that
 * polled the console (kernel/console_input.c), reading the guests' state
 * as it is at that moment. */
#ifndef KEEL_MONITOR_H
#define KEEL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

/* A byte typed while the monitor has the focus. */
void monitor_key(uint8_t byte);

/* "keel> ", on a line of its own. */
void monitor_prompt(void);

/* onpanic=monitor: register the monitor with panic() (kmain, once the
 * options are read); whether it runs after a panic now, and its end. */
void monitor_panic_setup(void);
bool monitor_after_panic(void);
void monitor_end_after_panic(void);

#endif
