// unit: kernel/input_focus.c
#include "kernel/input_focus.h"
#include "unit.h"

TEST(plain_bytes_go_to_the_focus)
{
    struct input_focus f = { .target = 1 };
    struct input_step s = input_focus_key(&f, 'x', 2);
    CHECK_EQ(s.target, 1);
    CHECK(!s.switched);
    CHECK_EQ(s.n, 1u);
    CHECK_EQ(s.bytes[0], 'x');
}

TEST(three_ctrl_a_cycle_monitor_guests_monitor)
{
    struct input_focus f = { .target = FOCUS_MONITOR };
    int seen[4];
    for (int round = 0; round < 4; round++) {
        struct input_step s = input_focus_key(&f, 1, 3);
        CHECK_EQ(s.n, 0u);
        CHECK(!s.switched);
        s = input_focus_key(&f, 1, 3);
        CHECK_EQ(s.n, 0u);
        s = input_focus_key(&f, 1, 3);
        CHECK(s.switched);
        CHECK_EQ(s.n, 0u);
        seen[round] = s.target;
    }
    CHECK_EQ(seen[0], 0);
    CHECK_EQ(seen[1], 1);
    CHECK_EQ(seen[2], 2);
    CHECK_EQ(seen[3], FOCUS_MONITOR);
}

TEST(held_ctrl_a_go_out_before_the_next_byte)
{
    struct input_focus f = { .target = 0 };
    input_focus_key(&f, 1, 1);
    input_focus_key(&f, 1, 1);
    struct input_step s = input_focus_key(&f, 'e', 1);
    CHECK_EQ(s.target, 0);
    CHECK_EQ(s.n, 3u);
    CHECK_EQ(s.bytes[0], 1);
    CHECK_EQ(s.bytes[1], 1);
    CHECK_EQ(s.bytes[2], 'e');
    CHECK_EQ(f.switch_keys, 0u);
    /* and the count starts again: two more do not switch */
    input_focus_key(&f, 1, 1);
    s = input_focus_key(&f, 1, 1);
    CHECK(!s.switched);
    CHECK_EQ(f.target, 0);
}

TEST(no_guests_the_monitor_keeps_the_focus)
{
    struct input_focus f = { .target = FOCUS_MONITOR };
    input_focus_key(&f, 1, 0);
    input_focus_key(&f, 1, 0);
    struct input_step s = input_focus_key(&f, 1, 0);
    CHECK(s.switched);
    CHECK_EQ(s.target, FOCUS_MONITOR);
}

TEST(a_focus_beyond_the_guests_falls_back_to_the_monitor)
{
    struct input_focus f = { .target = 5 };
    struct input_step s = input_focus_key(&f, 'a', 2);
    CHECK_EQ(s.target, FOCUS_MONITOR);
    CHECK_EQ(f.target, FOCUS_MONITOR);
}

TEST(next_wraps)
{
    CHECK_EQ(input_focus_next(FOCUS_MONITOR, 2), 0);
    CHECK_EQ(input_focus_next(0, 2), 1);
    CHECK_EQ(input_focus_next(1, 2), FOCUS_MONITOR);
    CHECK_EQ(input_focus_next(FOCUS_MONITOR, 0), FOCUS_MONITOR);
}
