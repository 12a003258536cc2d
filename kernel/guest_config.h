/* A guest as its GRUB module command line describes it (docs/guests.md):
 *   module2 /boot/hello.bin name=hello mode=long64 mem=2 load=0x8000 cpus=2
 * Pure: unit-tested. */
#ifndef KEEL_GUEST_CONFIG_H
#define KEEL_GUEST_CONFIG_H

#include <stdint.h>

#include "kernel/lib/fmt.h"

#define GUEST_NAME_MAX 24
#define GUEST_MODE_NAMES "real16|prot32|long64"
#define GUEST_MEM_MAX_MIB 1024
#define GUEST_TIME_DEFAULT_S 60
#define GUEST_TIME_MAX_S 86400
#define GUEST_VCPUS_MAX 8
#define GUEST_VCPUS_MAX_STR "8"
/* long64 guests: Keel puts their identity page tables in the top pages of
 * guest RAM (PML4, PDPT, one PD per GiB). */
#define GUEST_PT_PAGES(mem) (2 + ((mem) + (1ull << 30) - 1) / (1ull << 30))

enum guest_mode { GUEST_REAL16, GUEST_PROT32, GUEST_LONG64 };

/* break=: a deliberately invalid start state, for testing the VM-entry
 * checker and the failed-entry diagnostics. check=off skips the software
 * check, so that the CPU's own VM entry fails. */
enum guest_break { BREAK_NONE, BREAK_CS_L_AND_D, BREAK_PG_WITHOUT_PE, BREAK_LINK_POINTER };
#define GUEST_BREAK_NAMES "none|cs-l-and-d|pg-without-pe|link-pointer"

struct guest_config {
    char name[GUEST_NAME_MAX];
    int mode;                   /* enum guest_mode */
    uint64_t mem;               /* bytes of guest RAM, from guest-physical 0 */
    uint64_t load;              /* guest-physical address of the image */
    uint64_t entry;             /* first RIP (real16: CS=0, IP=entry) */
    uint64_t image_size;
    int brk;                    /* enum guest_break */
    int check;                  /* 1: software VM-entry check first (default) */
    uint64_t time_s;            /* time budget in seconds (VMX-preemption timer) */
    /* cpus=: how many vCPUs, and (a list) which physical CPU each is
     * pinned to; without a list Keel places them (kernel/guests.c). */
    unsigned vcpus;
    unsigned cpu_list_len;      /* 0: no list given */
    uint16_t cpu_list[GUEST_VCPUS_MAX];
};

/* Parse `cmdline` for an image of `image_size` bytes. Returns 0, or -1
 * with every problem reported (the guest is then not started). */
int guest_config_parse(const char *cmdline, uint64_t image_size, struct guest_config *g,
                       report_fn report, void *ctx);

const char *guest_mode_name(enum guest_mode m);

#endif
