/* An HPET (IA-PC HPET specification 1.0a) at 0xfed00000, for the guests
 * whose ACPI tables name it (a Linux guest: kernel/loader/acpi_build.c's
 * HPET table): a 64-bit main counter at 100 MHz of TSC time (QEMU's
 * rate) and three comparators. What an OS needs it for here is the
 * counter: Linux registers it as the "hpet" clocksource, which its
 * clocksource watchdog then prefers to the tick count (refined-jiffies)
 * to check the TSC against; a tick count loses the ticks that come
 * while interrupts are off, the HPET does not. No legacy replacement
 * route (LEG_RT_CAP 0: the PIT keeps IRQ 0, the RTC IRQ 8) and no
 * interrupt route (Tn_INT_ROUTE_CAP 0, no FSB delivery): the comparators
 * hold what is written and raise nothing, so Linux uses no channel as a
 * clock event device. Pure: the caller passes the time in HPET ticks
 * (hpet_ticks). Unit-tested in tests/unit/test_hpet.c. */
#ifndef KEEL_VMX_DEV_HPET_H
#define KEEL_VMX_DEV_HPET_H

#include <stdbool.h>
#include <stdint.h>

#define HPET_MMIO_BASE  0xfed00000ull
#define HPET_MMIO_SIZE  0x400u          /* the register block; the rest of the page reads 0 */
#define HPET_HZ         100000000u
#define HPET_PERIOD_FS  10000000u       /* 10^15 / HPET_HZ: the counter's period */
#define HPET_TIMERS     3               /* Linux wants two at least (CONFIG_HPET_EMULATE_RTC) */

/* General Capabilities and ID (offset 0): revision 1, HPET_TIMERS - 1,
 * a 64-bit counter (COUNT_SIZE_CAP), no LEG_RT_CAP, vendor 0x8086; the
 * period in bits 63:32. Its low half is the ACPI HPET table's Event Timer
 * Block ID. */
#define HPET_ID_LOW     (0x80860000u | 1u << 13 | (HPET_TIMERS - 1) << 8 | 0x01)

/* Registers (offsets) and bits */
#define HPET_CAP        0x000
#define HPET_CONFIG     0x010
#define HPET_STATUS     0x020
#define HPET_COUNTER    0x0f0
#define HPET_TIMER(n)   (0x100 + 0x20 * (n))    /* + 0: config and capabilities */
#define HPET_CMP(n)     (0x108 + 0x20 * (n))    /* comparator */
#define HPET_CFG_ENABLE 1u                      /* ENABLE_CNF: the counter runs */
#define HPET_TN_LEVEL   (1u << 1)
#define HPET_TN_ENABLE  (1u << 2)
#define HPET_TN_PERIODIC (1u << 3)
#define HPET_TN_PERIODIC_CAP (1u << 4)
#define HPET_TN_64BIT_CAP (1u << 5)
#define HPET_TN_SETVAL  (1u << 6)
#define HPET_TN_32BIT   (1u << 8)

struct vhpet_timer {
    uint64_t config;            /* the writable bits of Tn_CONF_CAP */
    uint64_t comparator;
};

struct vhpet {
    uint64_t config;            /* GEN_CONF: ENABLE_CNF */
    uint64_t base;              /* while enabled: counter = now + base (mod 2^64) */
    uint64_t stopped;           /* while halted: the counter */
    struct vhpet_timer t[HPET_TIMERS];
};

/* HPET ticks (HPET_HZ) at TSC value `tsc` for a TSC of `tsc_hz`:
 * floor(tsc * HPET_HZ / tsc_hz) for any TSC below 184 GHz. */
uint64_t hpet_ticks(uint64_t tsc, uint64_t tsc_hz);

/* As at power-up: halted at 0, comparators all ones (the specification's
 * reset value), nothing enabled. */
void vhpet_reset(struct vhpet *h);

/* A read or write of `size` bytes at `offset` in the register block,
 * `now` in HPET ticks. 4- and 8-byte accesses, naturally aligned (a
 * 4-byte access is the half of its 64-bit register); others read 0 and
 * are dropped, as are reserved registers and read-only bits. */
uint64_t vhpet_read(const struct vhpet *h, unsigned offset, unsigned size, uint64_t now);
void vhpet_write(struct vhpet *h, unsigned offset, unsigned size, uint64_t val, uint64_t now);

#endif
