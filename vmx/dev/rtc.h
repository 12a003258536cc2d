/* An MC146818 real-time clock with its CMOS RAM (ports 0x70/0x71), for
 * the guests whose ACPI tables name it (a Linux guest: the FADT says
 * there is a CMOS RTC, the DSDT has it as PNP0B00 with IRQ 8), after the
 * Motorola data sheet and QEMU's hw/rtc/mc146818rtc.c. The time starts
 * from the host's RTC, read once when the guest (re)starts, and runs at
 * the TSC's rate from there; nothing the guest does to it reaches the
 * host's clock. Registers:
 *   0-9     seconds, alarm seconds, minutes, alarm minutes, hours, alarm
 *           hours, day of week (1 = Sunday), day, month, year: BCD or
 *           binary and 12- or 24-hour as register B says when read
 *   0x0a A  UIP (read-only: set in the 244 us before each update), the
 *           divider (010: running; other values stop the clock) and the
 *           periodic rate
 *   0x0b B  SET (stops updates; setting it clears UIE), PIE, AIE, UIE,
 *           SQWE, DM (binary), 24/12, DSE (kept, no daylight saving)
 *   0x0c C  IRQF, PF, AF, UF: set as the events come, whether or not
 *           enabled; reading C clears them (and IRQ 8)
 *   0x0d D  VRT: the battery is good
 *   0x32    the century (the FADT's CENTURY field names it), in the
 *           clock's format
 *   others  CMOS RAM, 0x0e-0x7f: the guest's own bytes, zero at power-up
 * Port 0x70 takes the register number in bits 6:0; bit 7 (NMI mask on
 * PCs) is ignored, and the port reads 0xff (write-only, as QEMU). The
 * interrupt output is IRQF: IRQ 8 is asserted while it is set (an edge
 * when it rises); vrtc_next_event says when it could next rise, for the
 * caller's timer (vmx/dev/irq.c). Pure: the caller passes the time in
 * RTC ticks (32768 Hz, rtc_ticks). Unit-tested in tests/unit/test_rtc.c. */
#ifndef KEEL_VMX_DEV_RTC_H
#define KEEL_VMX_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_PORT        0x70            /* index; 0x71: data */
#define RTC_HZ          32768u          /* the time base's crystal */
#define RTC_IRQ         8

/* Registers */
#define RTC_SECONDS     0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES     0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS       0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH       0x08
#define RTC_YEAR        0x09
#define RTC_REG_A       0x0a
#define RTC_REG_B       0x0b
#define RTC_REG_C       0x0c
#define RTC_REG_D       0x0d
#define RTC_CENTURY     0x32            /* as QEMU and the PC BIOSes have it */
#define RTC_CMOS_SIZE   128

#define RTC_A_UIP       0x80
#define RTC_A_DV_RUN    0x20            /* DV 010: the 32.768 kHz time base, running */
#define RTC_B_SET       0x80
#define RTC_B_PIE       0x40
#define RTC_B_AIE       0x20
#define RTC_B_UIE       0x10
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H       0x02
#define RTC_C_IRQF      0x80
#define RTC_C_PF        0x40
#define RTC_C_AF        0x20
#define RTC_C_UF        0x10
#define RTC_D_VRT       0x80
#define RTC_ALARM_ANY   0xc0            /* an alarm byte of 11xxxxxx: any value matches */

struct vrtc {
    uint8_t index;              /* port 0x70's register number */
    uint8_t ram[RTC_CMOS_SIZE]; /* CMOS RAM; 0-9 and the century only while stopped */
    uint8_t a, b, c;            /* registers A (without UIP), B, C */
    bool running;               /* updating: SET clear and the divider running */
    int64_t sec;                /* while running: the time at t0, in seconds since 1970 */
    uint64_t t0;                /* while running: RTC ticks at which second `sec` began */
    uint64_t checked;           /* RTC ticks up to which C's flags are brought */
};

/* RTC ticks at TSC value `tsc` for a TSC of `tsc_hz` (floor), and the
 * first TSC value at which `ticks` is reached (ceil). */
uint64_t rtc_ticks(uint64_t tsc, uint64_t tsc_hz);
uint64_t rtc_tsc(uint64_t ticks, uint64_t tsc_hz);

/* Seconds since 1970-01-01 00:00:00 for a civil date and time (any
 * fields past their range carry over, as mktime's do), and back. */
struct rtc_time {
    int year, month, day, hour, minute, second;   /* month 1-12, day 1-31 */
    int weekday;                                  /* 0 = Sunday (out only) */
};
int64_t rtc_time_to_unix(const struct rtc_time *t);
void rtc_unix_to_time(int64_t s, struct rtc_time *t);

/* The time registers 0-9 (alarms ignored) and the century read as an
 * MC146818 holds them in the format register B gives (`b`): seconds
 * since 1970; a century that is not one (0 or above 99) is taken as 20.
 * Also what the host's RTC says, read through the same registers. */
int64_t rtc_regs_to_unix(const uint8_t regs[10], uint8_t century, uint8_t b);

/* Power-up: time `now_sec` (seconds since 1970) at RTC tick `now`,
 * running, 24-hour BCD (B = 0x02), A = 0x26, nothing pending, CMOS RAM
 * zero. */
void vrtc_reset(struct vrtc *r, int64_t now_sec, uint64_t now);

/* Port 0x70 + `port` (0 or 1). */
uint8_t vrtc_read(struct vrtc *r, unsigned port, uint64_t now);
void vrtc_write(struct vrtc *r, unsigned port, uint8_t val, uint64_t now);

/* The events up to `now` into register C (vrtc_read does it too); the
 * interrupt output IRQF after. */
bool vrtc_update(struct vrtc *r, uint64_t now);

/* The first RTC tick after `now` at which IRQF could rise (an enabled
 * event comes while IRQF is clear), or 0: none (nothing enabled, or
 * IRQF already set: a new edge needs C read first). */
uint64_t vrtc_next_event(const struct vrtc *r, uint64_t now);

#endif
