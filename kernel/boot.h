#ifndef KEEL_BOOT_H
#define KEEL_BOOT_H

#include "kernel/boot_info.h"

extern struct boot_info boot_info;

/* Parse the loader's information into boot_info; problems are logged, and
 * information that cannot be used at all stops the boot. */
void boot_info_init(uint64_t mbi_phys);
void boot_info_print(const struct boot_info *bi);

#endif
