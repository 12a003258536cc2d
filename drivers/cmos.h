/* The CMOS RAM beside the real-time clock (ports 0x70/0x71, and 0x72/0x73
 * for the upper 128 bytes where chipsets have them), and Keel's use of
 * one byte of it: bootok=cmos:INDEX[:VALUE], the mark that tells GRUB's
 * try mode this boot went well (scripts/grub.d/25_keel, docs/hardware.md,
 * "Try once, fall back"). */
#ifndef KEEL_DRIVERS_CMOS_H
#define KEEL_DRIVERS_CMOS_H

#include <stdint.h>

uint8_t cmos_read(uint8_t index);
void cmos_write(uint8_t index, uint8_t value);

/* With bootok= given: write the mark, read it back, and say so. Called
 * once every CPU is in VMX root operation and the guests are created. */
void cmos_mark_boot_good(void);

#endif
