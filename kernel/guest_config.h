/* A guest as its GRUB module line describes it (docs/guests.md):
 *   module2 /boot/hello.bin name=hello mode=long64 cpus=2
 *   module2 /boot/kernel.elf name=k mem=256 -- console=ttyS0 msg="a b"
 *   module2 /boot/initrd.img for=k initrd
 * The first two are guests: Keel's options, then, after the word `--`,
 * the kernel's own command line. The third is no guest but a Multiboot
 * module of guest k, with the rest of its line as its string.
 *
 * GRUB re-quotes a line's words before Keel sees them (kernel/cmdline.h);
 * everything here works on the words as GRUB's script parser made them.
 *
 * The caller (kernel/guests.c), for each module line in order:
 *   1. guest_config_classify(): a guest, a module for a guest, or bad;
 *   2. for a guest, guest_config_parse(line, index): the options, with
 *      the defaults that do not depend on the image's kind;
 *   3. once it knows the kind (a Multiboot kernel, or one of Keel's flat
 *      images, which always say mode=), guest_config_finish(): that
 *      kind's defaults and, for a flat image, the checks that it fits.
 * Names are unique among guests (a module line finds its guest by name):
 * the caller checks that, and that every `for=` names a guest.
 * Pure: unit-tested (tests/unit/test_guest_config.c) and fuzzed. */
#ifndef KEEL_GUEST_CONFIG_H
#define KEEL_GUEST_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

#define GUEST_NAME_MAX 64           /* with the NUL: names of 1 to 63 characters */
#define GUEST_CMDLINE_MAX 1024      /* with the NUL: a kernel command line, a module string */
#define GUEST_MODE_NAMES "real16|prot32|long64"
#define GUEST_MEM_MAX_MIB 16384
#define GUEST_MEM_FLAT_MIB 2        /* the default RAM of a flat image */
#define GUEST_MEM_MULTIBOOT_MIB 128 /* ... and of a Multiboot kernel */
#define GUEST_LOAD_FLAT 0x8000      /* where a flat image goes without load= */
#define GUEST_TIME_MAX_S 86400
#define GUEST_VCPUS_MAX 8
#define GUEST_VCPUS_MAX_STR "8"
#define GUEST_RESTARTS_DEFAULT 3    /* restart=on-crash or =always without :N */
#define GUEST_RESTARTS_MAX 1000
/* long64 guests: Keel puts their identity page tables in the top pages of
 * guest RAM (PML4, PDPT, one PD per GiB): 18 pages for 16 GiB, which one
 * PDPT (512 GiB) covers. */
#define GUEST_PT_PAGES(mem) (2 + ((mem) + (1ull << 30) - 1) / (1ull << 30))

enum guest_mode { GUEST_REAL16, GUEST_PROT32, GUEST_LONG64 };

/* break=: a deliberately invalid start state, for testing the VM-entry
 * checker and the failed-entry diagnostics. check=off skips the software
 * check, so that the CPU's own VM entry fails. */
enum guest_break { BREAK_NONE, BREAK_CS_L_AND_D, BREAK_PG_WITHOUT_PE, BREAK_LINK_POINTER };
#define GUEST_BREAK_NAMES "none|cs-l-and-d|pg-without-pe|link-pointer"

/* restart=: what Keel does when the guest ends, at most restart_max times.
 * A crash is Keel stopping it (docs/guests.md, "How a guest ends"); an
 * exit, whatever its status, is not. */
enum guest_restart { RESTART_NEVER, RESTART_ON_CRASH, RESTART_ALWAYS };
#define GUEST_RESTART_NAMES "never|on-crash|always"

/* The options, in the order of the `given` bits. */
enum guest_option {
    GUEST_OPT_NAME, GUEST_OPT_MODE, GUEST_OPT_MEM, GUEST_OPT_LOAD, GUEST_OPT_ENTRY,
    GUEST_OPT_BREAK, GUEST_OPT_CHECK, GUEST_OPT_TIME, GUEST_OPT_CPUS, GUEST_OPT_RESTART,
    GUEST_OPT_FOR, GUEST_OPT_GDB, GUEST_OPT_COUNT
};
#define GUEST_GIVEN(opt) (1u << (opt))

/* The image kinds guest_config_finish() knows. */
enum guest_image { GUEST_IMAGE_FLAT, GUEST_IMAGE_MULTIBOOT, GUEST_IMAGE_LINUX };

struct guest_config {
    char name[GUEST_NAME_MAX];  /* default: "guest" and the caller's index */
    int mode;                   /* enum guest_mode; Multiboot: prot32 */
    uint64_t mem;               /* bytes of guest RAM, from guest-physical 0 */
    uint64_t load;              /* flat: guest-physical address of the image */
    uint64_t entry;             /* flat: first RIP (real16: CS=0, IP=entry) */
    uint64_t image_size;        /* the module's size */
    int brk;                    /* enum guest_break */
    int check;                  /* 1: software VM-entry check first (default) */
    uint64_t time_s;            /* time budget in seconds (VMX-preemption timer); 0: none */
    /* cpus=: how many vCPUs, and (a list) which physical CPU each is
     * pinned to; without a list Keel places them (kernel/guests.c). */
    unsigned vcpus;
    unsigned cpu_list_len;      /* 0: no list given */
    uint16_t cpu_list[GUEST_VCPUS_MAX];
    int restart;                /* enum guest_restart */
    unsigned restart_max;       /* 0 with RESTART_NEVER, else 1..GUEST_RESTARTS_MAX */
    int gdb;                    /* gdb=wait: GDB's (gdb=com2), stopped before its first instruction */
    unsigned given;             /* GUEST_GIVEN(GUEST_OPT_...): what the line set */
    char cmdline[GUEST_CMDLINE_MAX];    /* the kernel's, after `--`; "" without */
};

/* A module line that is not a guest: `for=NAME STRING`. */
struct guest_module_line {
    char guest[GUEST_NAME_MAX];         /* NAME, a legal guest name */
    char string[GUEST_CMDLINE_MAX];     /* the module's string for the guest */
};

enum guest_line {
    GUEST_LINE_GUEST,           /* a guest: guest_config_parse() it */
    GUEST_LINE_MODULE,          /* a module of guest m->guest, string m->string */
    GUEST_LINE_BAD,             /* a module line that cannot be used (reported) */
};

/* Which kind of line `line` (a module's command line, as GRUB gave it)
 * is: a module line when its first word is for=NAME. `m` is filled for
 * GUEST_LINE_MODULE and zeroed otherwise. */
enum guest_line guest_config_classify(const char *line, struct guest_module_line *m,
                                      report_fn report, void *ctx);

/* Parse a guest's line: every option, and after `--` the kernel's command
 * line. `index` (the guest's place in the module list) names a guest
 * without name=. Leaves what depends on the image's kind for
 * guest_config_finish(): mem and time_s are 0, load and entry 0 and mode
 * long64 unless the line set them (g->given says). Returns 0, or -1 with
 * every problem reported (the guest is then not started). */
int guest_config_parse(const char *line, unsigned index, struct guest_config *g,
                       report_fn report, void *ctx);

/* The kind's defaults for what the line left unset, and its checks, for
 * an image of `image_size` bytes (stored in g->image_size):
 *  - GUEST_IMAGE_FLAT: 2 MiB, load 0x8000, entry = load, a 60 s budget;
 *    the image must fit in RAM (below the page tables for long64, below
 *    1 MiB for real16), the entry lie inside it, a prot32 guest have at
 *    most 4 GiB.
 *  - GUEST_IMAGE_MULTIBOOT: 128 MiB, mode prot32 (as the Multiboot spec
 *    starts a kernel), no budget; mode=, load= and entry= are refused
 *    (the kernel's headers say where it goes). Where the kernel loads and
 *    whether it fits is the loader's to check.
 * Returns 0, or -1 with every problem reported. */
int guest_config_finish(struct guest_config *g, enum guest_image kind, uint64_t image_size,
                        report_fn report, void *ctx);

/* Whether `s` is a legal guest name: 1 to 63 letters, digits, '-', '_'. */
bool guest_name_ok(const char *s);

const char *guest_mode_name(enum guest_mode m);
const char *guest_restart_name(enum guest_restart r);

#endif
