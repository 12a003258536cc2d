#include "kernel/input_focus.h"

int input_focus_next(int target, unsigned guests)
{
    if (target < 0)
        return guests ? 0 : FOCUS_MONITOR;
    return (unsigned)target + 1 < guests ? target + 1 : FOCUS_MONITOR;
}

struct input_step input_focus_key(struct input_focus *f, uint8_t byte, unsigned guests)
{
    struct input_step s = { .target = f->target };
    if (f->target >= 0 && (unsigned)f->target >= guests)    /* guests went: back home */
        f->target = s.target = FOCUS_MONITOR;
    if (byte == FOCUS_SWITCH_KEY) {
        if (++f->switch_keys < FOCUS_SWITCH_COUNT)
            return s;
        f->switch_keys = 0;
        f->target = s.target = input_focus_next(f->target, guests);
        s.switched = true;
        return s;
    }
    while (f->switch_keys) {
        s.bytes[s.n++] = FOCUS_SWITCH_KEY;
        f->switch_keys--;
    }
    s.bytes[s.n++] = byte;
    return s;
}
