/* An 8254 PIT (ports 0x40-0x43) and the channel 2 gate and output at port
 * 0x61 (the PC speaker's port), after QEMU's hw/timer/i8254.c and
 * hw/audio/pcspk.c: counters are not stepped, they are computed from the
 * time since the count was loaded, so they count down between two reads
 * and polling loops end. Kernels calibrate their TSC against channel 2
 * (Linux's pit_calibrate_tsc: gate on, mode 0, poll port 0x61 bit 5; its
 * quick_pit_calibrate: read the counter's MSB as it falls) or count with
 * channel 0 latches; both see a PIT running at 1.193182 MHz of the TSC
 * (pit_ticks). Channel 0's output is IRQ 0: vpit_irq_due says when its
 * rising edge has come (modes 2 and 3 each period, 0 and 4 once at the
 * terminal count; 1 and 5 never, their gate being tied high), and the
 * caller raises the interrupt and arms a timer for the next one
 * (vmx/dev/irq.c). Pure: the caller passes the time in PIT ticks
 * (vmx/dev/pc_io.c).
 * Unit-tested in tests/unit/test_pit.c. */
#ifndef KEEL_VMX_DEV_PIT_H
#define KEEL_VMX_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u

struct vpit_channel {
    uint64_t load_time;         /* PIT ticks when counting (re)started */
    uint32_t count;             /* initial count, 1-0x10000 (0 means 0x10000) */
    uint16_t latched_count;
    uint8_t count_latched;      /* 0, or the access mode the latch is read in */
    uint8_t status;
    bool status_latched;
    uint8_t read_state, write_state, write_latch;
    uint8_t rw_mode;            /* 1 LSB, 2 MSB, 3 LSB then MSB */
    uint8_t mode;               /* 0-5 */
    uint8_t bcd;                /* kept for the status byte; counting is binary */
    bool gate;
};

struct vpit {
    struct vpit_channel ch[3];
    uint64_t irq_next;          /* PIT ticks of channel 0's next interrupt; 0: none */
    bool speaker_data;          /* port 0x61 bit 1 */
    uint8_t refresh;            /* port 0x61 bit 4: toggles on every read */
};

/* PIT ticks at TSC value `tsc`, for a TSC of `tsc_hz`: floor(tsc * PIT_HZ
 * / tsc_hz), without 128-bit arithmetic. */
uint64_t pit_ticks(uint64_t tsc, uint64_t tsc_hz);

/* The first TSC value at which pit_ticks(tsc, tsc_hz) reaches `ticks`:
 * ceil(ticks * tsc_hz / PIT_HZ). */
uint64_t pit_tsc(uint64_t ticks, uint64_t tsc_hz);

/* As a BIOS leaves it: channel 0 in mode 2 with a count of 0x10000 (the
 * 18.2 Hz tick), channels 1 and 2 in mode 3, channel 2's gate low. */
void vpit_reset(struct vpit *p, uint64_t now);

/* Port 0x40 + `reg` (0-3); `now` in PIT ticks. */
uint8_t vpit_read(struct vpit *p, unsigned reg, uint64_t now);
void vpit_write(struct vpit *p, unsigned reg, uint8_t val, uint64_t now);

/* Port 0x61: bit 0 channel 2's gate, bit 1 speaker data, bit 4 the
 * refresh toggle, bit 5 channel 2's output. */
uint8_t vpit_port61_read(struct vpit *p, uint64_t now);
void vpit_port61_write(struct vpit *p, uint8_t val, uint64_t now);

/* Has channel 0's interrupt come at `now`? If so, true, and irq_next
 * moves to the first period after `now` (periods missed are one
 * interrupt, as an edge-triggered line gives), or to 0 after a one-shot.
 * Writing channel 0's count starts it; its control word stops it until
 * then. */
bool vpit_irq_due(struct vpit *p, uint64_t now);

/* A channel's counter and output at `now` (for the above, and tests). */
uint16_t vpit_counter(const struct vpit_channel *c, uint64_t now);
bool vpit_out(const struct vpit_channel *c, uint64_t now);

#endif
