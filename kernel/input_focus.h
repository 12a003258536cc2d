/* Where the console's input goes (docs/console.md): Keel's monitor or one
 * guest's COM1, the focus. Ctrl-A three times in a row moves it on, as in
 * Xen: monitor, guest 0, guest 1, ..., the monitor again. One or two
 * Ctrl-A followed by anything else are passed on before that byte, so a
 * guest still gets its Ctrl-A. Pure: tests/unit/test_input_focus.c. */
#ifndef KEEL_INPUT_FOCUS_H
#define KEEL_INPUT_FOCUS_H

#include <stdbool.h>
#include <stdint.h>

#define FOCUS_MONITOR (-1)
#define FOCUS_SWITCH_KEY 0x01           /* Ctrl-A */
#define FOCUS_SWITCH_COUNT 3

struct input_focus {
    int target;                 /* FOCUS_MONITOR or a guest's index */
    unsigned switch_keys;       /* Ctrl-A typed in a row, held back */
};

/* What one typed byte does: `n` bytes to deliver to `target` (the held
 * Ctrl-As and the byte), or nothing but a switch (`switched`, `target`
 * being the new focus). */
struct input_step {
    int target;
    bool switched;
    unsigned n;
    uint8_t bytes[FOCUS_SWITCH_COUNT];
};

/* The focus after `target` among `guests` guests: guest 0 after the
 * monitor, the monitor after the last guest. */
int input_focus_next(int target, unsigned guests);

/* One byte typed, with `guests` guests to cycle through. */
struct input_step input_focus_key(struct input_focus *f, uint8_t byte, unsigned guests);

#endif
