/* The guests GRUB loaded as modules: created, run across the CPUs in VMX
 * root operation, summed up at the end. */
#ifndef KEEL_GUESTS_H
#define KEEL_GUESTS_H

#include "kernel/boot_info.h"
#include "kernel/panic.h"

#define GUESTS_MAX 16

/* One guest per module whose command line is valid; returns how many. */
unsigned guests_create(const struct boot_info *bi);

/* Run them all: guest i on the i-th CPU in VMX (round robin when there
 * are more guests than CPUs, each CPU running its own in turn), all CPUs
 * at once; returns when every guest has ended. */
void guests_run(void);

/* One line per guest: how it ended and its exits by reason; one per
 * refused module. Returns the status Keel ends with: KEEL_STATUS_OK, or
 * KEEL_STATUS_GUESTS_REFUSED when any module was refused (a guest that
 * did not start, a module for no guest). */
enum keel_status guests_summary(void);

/* Keel's end from the monitor (poweroff, reboot): every guest stopped
 * with `why`, none restarted; guests_run then returns as usual. */
void guests_stop_all(const char *why);

/* The guests, for the monitor and the console's input focus. */
struct guest;
unsigned guests_count(void);
struct guest *guest_at(unsigned i);

#endif
