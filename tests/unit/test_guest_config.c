// unit: kernel/guest_config.c kernel/cmdline.c kernel/lib/fmt.c
#include "kernel/cmdline.h"
#include "kernel/guest_config.h"
#include "unit.h"

static struct guest_config g;
static struct guest_module_line mod;
static struct reports rep;

/* GRUB 2's grub_create_loader_cmdline (grub-core/lib/cmdline.c), written
 * again from its description: the words joined by one space, a word with a
 * space in double quotes, a backslash before each \, ' and ". */
static void grub_quote(const char *const *argv, int argc, char *buf, size_t size)
{
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        int space = strchr(argv[i], ' ') != NULL;
        if (space)
            buf[n++] = '"';
        for (const char *c = argv[i]; *c; c++) {
            if (*c == '\\' || *c == '\'' || *c == '"')
                buf[n++] = '\\';
            buf[n++] = *c;
        }
        if (space)
            buf[n++] = '"';
        if (i + 1 < argc)
            buf[n++] = ' ';
        if (n >= size - 4) {
            UNIT_FAIL("grub_quote: buffer too small");
            break;
        }
    }
    buf[n] = '\0';
}

static char line[8192];

/* A module line as GRUB hands it over, from the words its script parser
 * made of the grub.cfg line (after the file name); NULL-terminated. */
#define GRUB(...)                                                           \
    ({                                                                      \
        const char *const w_[] = { __VA_ARGS__ };                           \
        grub_quote(w_, (int)(sizeof(w_) / sizeof(w_[0])), line, sizeof(line)); \
        line;                                                               \
    })

static int parse(const char *l, unsigned index)
{
    memset(&rep, 0, sizeof(rep));
    return guest_config_parse(l, index, &g, collect_report, &rep);
}

/* A flat image of `size` bytes. */
static int flat(const char *l, uint64_t size)
{
    int r = parse(l, 0);
    return guest_config_finish(&g, GUEST_IMAGE_FLAT, size, collect_report, &rep) || r ? -1 : 0;
}

static int multiboot(const char *l)
{
    int r = parse(l, 0);
    return guest_config_finish(&g, GUEST_IMAGE_MULTIBOOT, 4096, collect_report, &rep) || r ? -1
                                                                                            : 0;
}

static enum guest_line classify(const char *l)
{
    memset(&rep, 0, sizeof(rep));
    return guest_config_classify(l, &mod, collect_report, &rep);
}

TEST(flat_defaults_and_full_form)
{
    CHECK_EQ(flat("name=hello", 100), 0);
    CHECK_STR(g.name, "hello");
    CHECK_EQ(g.mode, GUEST_LONG64);
    CHECK_EQ(g.mem, 2 << 20);
    CHECK_EQ(g.load, 0x8000);
    CHECK_EQ(g.entry, 0x8000);
    CHECK_EQ(g.image_size, 100);
    CHECK_EQ(g.time_s, 0);                  /* no budget without time= */
    CHECK_EQ(g.vcpus, 1);
    CHECK_EQ(g.check, 1);
    CHECK_EQ(g.brk, BREAK_NONE);
    CHECK_EQ(g.restart, RESTART_NEVER);
    CHECK_EQ(g.restart_max, 0);
    CHECK_STR(g.cmdline, "");
    CHECK_EQ(g.given, GUEST_GIVEN(GUEST_OPT_NAME));
    CHECK_EQ(flat("name=rm-1 mode=real16 mem=1 load=0x7c00 entry=0x7c10 time=5 check=off "
                  "break=cs-l-and-d", 512), 0);
    CHECK_EQ(g.mode, GUEST_REAL16);
    CHECK_EQ(g.mem, 1 << 20);
    CHECK_EQ(g.load, 0x7c00);
    CHECK_EQ(g.entry, 0x7c10);
    CHECK_EQ(g.time_s, 5);
    CHECK_EQ(g.check, 0);
    CHECK_EQ(g.brk, BREAK_CS_L_AND_D);
    CHECK_EQ(g.given, GUEST_GIVEN(GUEST_OPT_NAME) | GUEST_GIVEN(GUEST_OPT_MODE) |
                          GUEST_GIVEN(GUEST_OPT_MEM) | GUEST_GIVEN(GUEST_OPT_LOAD) |
                          GUEST_GIVEN(GUEST_OPT_ENTRY) | GUEST_GIVEN(GUEST_OPT_TIME) |
                          GUEST_GIVEN(GUEST_OPT_CHECK) | GUEST_GIVEN(GUEST_OPT_BREAK));
    CHECK_EQ(rep.n, 0);
    /* load=0 is a load address like any other: entry follows it */
    CHECK_EQ(flat("mode=prot32 load=0", 16), 0);
    CHECK_EQ(g.load, 0);
    CHECK_EQ(g.entry, 0);
}

TEST(bare_line_is_a_multiboot_kernel_with_defaults)
{
    CHECK_EQ(guest_config_classify("", &mod, collect_report, &rep), GUEST_LINE_GUEST);
    CHECK_EQ(parse("", 3), 0);
    CHECK_STR(g.name, "guest3");
    CHECK_EQ(g.mem, 0);                 /* the kind decides */
    CHECK_EQ(g.time_s, 0);
    CHECK_EQ(g.given, 0);
    CHECK_EQ(guest_config_finish(&g, GUEST_IMAGE_MULTIBOOT, 12345, collect_report, &rep), 0);
    CHECK_STR(g.name, "guest3");
    CHECK_EQ(g.mem, 128ull << 20);
    CHECK_EQ(g.mode, GUEST_PROT32);
    CHECK_EQ(g.vcpus, 1);
    CHECK_EQ(g.cpu_list_len, 0);
    CHECK_EQ(g.time_s, 0);              /* no budget */
    CHECK_EQ(g.image_size, 12345);
    CHECK_EQ(g.restart, RESTART_NEVER);
    CHECK_STR(g.cmdline, "");
    CHECK_EQ(rep.n, 0);
    CHECK_EQ(parse("", 0), 0);
    CHECK_STR(g.name, "guest0");
    CHECK_EQ(parse("", 15), 0);
    CHECK_STR(g.name, "guest15");
}

TEST(multiboot_kernel_options)
{
    CHECK_EQ(multiboot("name=linux1 mem=16384 cpus=2 time=600 restart=on-crash:5"), 0);
    CHECK_STR(g.name, "linux1");
    CHECK_EQ(g.mem, 16384ull << 20);
    CHECK_EQ(g.vcpus, 2);
    CHECK_EQ(g.time_s, 600);
    CHECK_EQ(g.restart, RESTART_ON_CRASH);
    CHECK_EQ(g.restart_max, 5);
    /* where a Multiboot kernel goes, its headers say */
    CHECK_EQ(multiboot("name=k mode=long64 load=0x100000 entry=0x100000"), -1);
    CHECK_EQ(rep.n, 3);
    CHECK_HAS(rep.msg[0], "mode= is for Keel's flat images");
    CHECK_HAS(rep.msg[1], "load= is for Keel's flat images");
    CHECK_HAS(rep.msg[2], "entry= is for Keel's flat images");
    /* and the flat checks are not its: a 4 KiB module, no load= */
    CHECK_EQ(multiboot("mem=1"), 0);
}

TEST(every_problem_reported)
{
    CHECK_EQ(flat("mode=vm86 mem=0 colour=blue", 100), -1);
    CHECK_EQ(rep.n, 3);
    CHECK_HAS(rep.msg[0], "mode=vm86: expected one of real16|prot32|long64");
    CHECK_HAS(rep.msg[1], "mem=0: expected MiB from 1 to 16384");
    CHECK_HAS(rep.msg[2], "unknown option 'colour' ignored");
    CHECK_EQ(parse("name=a frob check=maybe break=everything load=far entry=", 0), -1);
    CHECK_EQ(rep.n, 5);
    CHECK_HAS(rep.msg[0], "unknown option 'frob' ignored");
    CHECK_HAS(rep.msg[1], "check=maybe: expected one of off|on");
    CHECK_HAS(rep.msg[2], "break=everything: expected one of none|cs-l-and-d|");
    CHECK_HAS(rep.msg[3], "load=far: expected an address such as 0x8000");
    CHECK_HAS(rep.msg[4], "entry=: expected an address");
    /* a word too long for any option: named, not cut into another */
    char longw[400] = "name=";
    memset(longw + 5, 'a', 300);
    CHECK_EQ(parse(longw, 0), -1);
    CHECK_HAS(rep.msg[0], "option 'name...' longer than 255 bytes: ignored");
    memset(longw, 'k', 300);
    CHECK_EQ(parse(longw, 0), -1);
    CHECK_HAS(rep.msg[0], "option 'kkkkkkkkkkkkkkkkkkkkkkkk...' longer than");
    CHECK_EQ(parse("mode=prot32 mode", 0), -1);
    CHECK_HAS(rep.msg[0], "mode: needs a value");
}

TEST(names)
{
    char n63[80] = "name=", n64[80] = "name=";
    memset(n63 + 5, 'x', 63);
    memset(n64 + 5, 'y', 64);
    CHECK_EQ(parse(n63, 0), 0);
    CHECK_EQ(strlen(g.name), 63);
    CHECK(guest_name_ok(g.name));
    CHECK_EQ(parse(n64, 7), -1);
    CHECK_HAS(rep.msg[0], "needs 1 to 63 characters");
    CHECK_STR(g.name, "guest7");    /* a refused name= leaves the default */
    CHECK_EQ(parse("name=bad/name", 0), -1);
    CHECK_HAS(rep.msg[0], "name=bad/name: may hold only letters, digits, '-' and '_'");
    CHECK_EQ(parse("name=", 0), -1);
    CHECK_HAS(rep.msg[0], "name=: needs 1 to 63 characters");
    CHECK_EQ(parse("name", 0), -1);
    CHECK_HAS(rep.msg[0], "name: needs 1 to 63 characters");
    /* name="a b" in grub.cfg: GRUB quotes the word, Keel reads it whole */
    CHECK_EQ(parse(GRUB("name=a b"), 0), -1);
    CHECK_HAS(rep.msg[0], "name=a b: may hold only letters");
    CHECK_EQ(parse("name=A-z_09", 0), 0);
    CHECK(guest_name_ok("A-z_09"));
    CHECK(!guest_name_ok(""));
    CHECK(!guest_name_ok("a.b"));
}

TEST(memory)
{
    CHECK_EQ(flat("mem=16384", 100), 0);
    CHECK_EQ(g.mem, 16384ull << 20);
    CHECK_EQ(flat("mem=16385", 100), -1);
    CHECK_HAS(rep.msg[0], "mem=16385: expected MiB from 1 to 16384");
    CHECK_EQ(flat("mem=-1", 100), -1);
    CHECK_EQ(flat("mem=0x10", 100), 0);
    CHECK_EQ(g.mem, 16ull << 20);
    /* 16 GiB long64: 18 page-table pages at the top, the image below */
    uint64_t top = (16384ull << 20) - 18 * 4096;
    CHECK_EQ(GUEST_PT_PAGES(16384ull << 20), 18);
    CHECK_EQ(flat("mem=16384 load=0x1000", top - 0x1000), 0);
    CHECK_EQ(flat("mem=16384 load=0x1000", top - 0x1000 + 1), -1);
    /* prot32 flat images: at most 4 GiB */
    CHECK_EQ(flat("mode=prot32 mem=4095", 100), 0);
    CHECK_EQ(flat("mode=prot32 mem=4096", 100), -1);
    CHECK_HAS(rep.msg[0], "a prot32 guest cannot have more than 4 GiB");
    CHECK_EQ(flat("mem=4096", 100), 0);
}

TEST(time_budget_is_optional)
{
    CHECK_EQ(multiboot("name=a"), 0);
    CHECK_EQ(g.time_s, 0);
    CHECK_EQ(multiboot("time=1"), 0);
    CHECK_EQ(g.time_s, 1);
    CHECK_EQ(flat("", 100), 0);
    CHECK_EQ(g.time_s, 0);              /* flat images too: none without time= */
    CHECK_EQ(flat("time=86400", 100), 0);
    CHECK_EQ(g.time_s, 86400);
    CHECK_EQ(parse("time=0", 0), -1);
    CHECK_HAS(rep.msg[0], "time=0: expected seconds from 1 to 86400");
    CHECK_EQ(parse("time=86401", 0), -1);
    CHECK_EQ(parse("time", 0), -1);
}

TEST(restart_policy)
{
    CHECK_EQ(parse("restart=never", 0), 0);
    CHECK_EQ(g.restart, RESTART_NEVER);
    CHECK_EQ(g.restart_max, 0);
    CHECK_EQ(parse("restart=on-crash", 0), 0);
    CHECK_EQ(g.restart, RESTART_ON_CRASH);
    CHECK_EQ(g.restart_max, GUEST_RESTARTS_DEFAULT);
    CHECK_EQ(parse("restart=always:7", 0), 0);
    CHECK_EQ(g.restart, RESTART_ALWAYS);
    CHECK_EQ(g.restart_max, 7);
    CHECK_EQ(parse("restart=on-crash:1000", 0), 0);
    CHECK_EQ(g.restart_max, 1000);
    CHECK_EQ(parse("restart=on-crash:1", 0), 0);
    CHECK_EQ(g.restart_max, 1);
    CHECK_EQ(parse("restart=always:1 restart=never", 0), 0);  /* the last one counts */
    CHECK_EQ(g.restart, RESTART_NEVER);
    CHECK_EQ(g.restart_max, 0);
    CHECK_STR(guest_restart_name(RESTART_ON_CRASH), "on-crash");

    CHECK_EQ(parse("restart=on-crash:1001", 0), -1);
    CHECK_HAS(rep.msg[0], "restart=on-crash:1001: expected a limit from 1 to 1000 restarts");
    CHECK_EQ(parse("restart=always:0", 0), -1);
    CHECK_HAS(rep.msg[0], "expected a limit from 1 to 1000");
    CHECK_EQ(parse("restart=always:", 0), -1);
    CHECK_EQ(parse("restart=always:x", 0), -1);
    CHECK_EQ(parse("restart=never:2", 0), -1);
    CHECK_HAS(rep.msg[0], "restart=never:2: never takes no limit");
    CHECK_EQ(parse("restart=sometimes", 0), -1);
    CHECK_HAS(rep.msg[0], "restart=sometimes: expected never, on-crash or always");
    CHECK_EQ(parse("restart=on-crash-and-more-than-that:2", 0), -1);
    CHECK_HAS(rep.msg[0], "expected never, on-crash or always");
    CHECK_EQ(parse("restart=", 0), -1);
    CHECK_EQ(parse("restart", 0), -1);
    CHECK_HAS(rep.msg[0], "restart: expected never");
    CHECK_EQ(g.restart, RESTART_NEVER);     /* refused: the default stays */
}

TEST(image_must_fit_below_the_page_tables)
{
    /* 2 MiB long64 guest: 3 page-table pages at the top. */
    CHECK_EQ(flat("name=a load=0x1000", (2 << 20) - 0x1000 - 3 * 4096), 0);
    CHECK_EQ(flat("name=a load=0x1000", (2 << 20) - 0x1000 - 3 * 4096 + 1), -1);
    CHECK_HAS(rep.msg[0], "does not fit below 0x1fd000 (the page tables are above)");
    CHECK_EQ(flat("name=a mode=prot32 load=0x1000", (2 << 20) - 0x1000), 0);
    CHECK_EQ(flat("name=a load=0x300000", 1), -1);
    CHECK_EQ(flat("name=a load=0xffffffffffffffff", 1), -1);
    CHECK_HAS(rep.msg[0], "does not fit");
}

TEST(entry_inside_image_and_real_mode_below_1m)
{
    CHECK_EQ(flat("name=a entry=0x9000", 0x1000), -1);
    CHECK_HAS(rep.msg[0], "entry 0x9000 is outside the image (0x8000, 4096 bytes)");
    CHECK_EQ(flat("name=a entry=0x8fff", 0x1000), 0);
    CHECK_EQ(flat("name=a entry=0x7fff", 0x1000), -1);
    CHECK_EQ(flat("name=a mode=real16 mem=4 load=0xff000", 0x2000), -1);
    CHECK_HAS(rep.msg[0], "below 1 MiB");
    CHECK_EQ(flat("name=a mode=real16 mem=4 load=0xff000", 0x1000), 0);
}

TEST(cpus_count_and_list)
{
    CHECK_EQ(parse("name=a", 0), 0);
    CHECK_EQ(g.vcpus, 1);
    CHECK_EQ(g.cpu_list_len, 0);
    CHECK_EQ(parse("name=a cpus=3", 0), 0);
    CHECK_EQ(g.vcpus, 3);
    CHECK_EQ(g.cpu_list_len, 0);
    CHECK_EQ(parse("name=a cpus=1,3-5", 0), 0);
    CHECK_EQ(g.vcpus, 4);
    CHECK_EQ(g.cpu_list_len, 4);
    CHECK_EQ(g.cpu_list[0], 1);
    CHECK_EQ(g.cpu_list[3], 5);
    CHECK_EQ(parse("name=a cpus=2-2", 0), 0);
    CHECK_EQ(g.cpu_list_len, 1);
    CHECK_EQ(g.cpu_list[0], 2);
}

TEST(cpus_refused)
{
    CHECK_EQ(parse("name=a cpus=0", 0), -1);
    CHECK_HAS(rep.msg[0], "expected a count from 1 to 8");
    CHECK_EQ(parse("name=a cpus=9", 0), -1);
    CHECK_EQ(parse("name=a cpus=1,1", 0), -1);
    CHECK_HAS(rep.msg[0], "listed twice");
    CHECK_EQ(parse("name=a cpus=3-2", 0), -1);
    CHECK_HAS(rep.msg[0], "written low-high");
    CHECK_EQ(parse("name=a cpus=0-8", 0), -1);
    CHECK_HAS(rep.msg[0], "more than 8 CPUs");
    CHECK_EQ(parse("name=a cpus=1,", 0), -1);
    CHECK_HAS(rep.msg[0], "does not end with a comma");
    CHECK_EQ(parse("name=a cpus=65536", 0), -1);
    CHECK_EQ(parse("name=a cpus=65536-65536", 0), -1);
    CHECK_HAS(rep.msg[0], "no such CPU number");
    CHECK_EQ(parse("name=a cpus=", 0), -1);
    CHECK_HAS(rep.msg[0], "expected a count (cpus=2) or a list");
    /* longer than a number: not cut in two (found by reading the fuzzer's target) */
    CHECK_EQ(parse("name=a cpus=00000000000003,4", 0), -1);
    CHECK_EQ(parse("name=a cpus=1,000000000002", 0), -1);
    CHECK_EQ(parse("name=a cpus=x,2", 0), -1);
    CHECK_HAS(rep.msg[0], "a CPU list holds numbers");
}

/* The kernel's command line: the words after --, as GRUB's script parser
 * made them from the grub.cfg line in the comment. */
TEST(kernel_command_line)
{
    /* -- console=ttyS0 msg="a b"  (QEMU: -append 'console=ttyS0 msg="a b"') */
    CHECK_EQ(parse(GRUB("name=k", "--", "console=ttyS0", "msg=a b"), 0), 0);
    CHECK_STR(line, "name=k -- console=ttyS0 \"msg=a b\"");     /* what GRUB passes */
    CHECK_STR(g.cmdline, "console=ttyS0 msg=\"a b\"");
    CHECK_STR(g.name, "k");
    /* -- "a b" c */
    CHECK_EQ(parse(GRUB("--", "a b", "c"), 0), 0);
    CHECK_STR(g.cmdline, "\"a b\" c");
    /* -- "a b=c" */
    CHECK_EQ(parse(GRUB("--", "a b=c"), 0), 0);
    CHECK_STR(g.cmdline, "\"a b=c\"");
    /* -- 'init=/bin/sh -c "echo hi"'  (a word with its own quotes stays) */
    CHECK_EQ(parse(GRUB("--", "init=/bin/sh -c \"echo hi\""), 0), 0);
    CHECK_STR(g.cmdline, "init=/bin/sh -c \"echo hi\"");
    /* -- 'console=ttyS0  msg="a b"'  (the whole string, exactly) */
    CHECK_EQ(parse(GRUB("--", "console=ttyS0  msg=\"a b\""), 0), 0);
    CHECK_STR(g.cmdline, "console=ttyS0  msg=\"a b\"");
    /* -- msg=\"ab\"  (quotes around no space: GRUB drops them unless escaped) */
    CHECK_EQ(parse(GRUB("--", "msg=\"ab\""), 0), 0);
    CHECK_STR(g.cmdline, "msg=\"ab\"");
    CHECK_EQ(parse(GRUB("--", "msg=ab"), 0), 0);
    CHECK_STR(g.cmdline, "msg=ab");
    /* -- 'path=C:\x' it\'s */
    CHECK_EQ(parse(GRUB("--", "path=C:\\x", "it's"), 0), 0);
    CHECK_STR(line, "-- path=C:\\\\x it\\'s");
    CHECK_STR(g.cmdline, "path=C:\\x it's");
    /* a tab inside a word: GRUB does not quote it, Keel keeps it */
    CHECK_EQ(parse(GRUB("--", "a\tb", "c"), 0), 0);
    CHECK_STR(g.cmdline, "a\tb c");
    /* a second -- belongs to the kernel; Keel's options end at the first */
    CHECK_EQ(parse(GRUB("name=x", "--", "a", "--", "name=y"), 0), 0);
    CHECK_STR(g.name, "x");
    CHECK_STR(g.cmdline, "a -- name=y");
    /* empty words (grub.cfg '') are kept as GRUB gave them */
    CHECK_EQ(parse(GRUB("--", "a", "", "b"), 0), 0);
    CHECK_STR(g.cmdline, "a  b");
    /* nothing after --, or no -- at all */
    CHECK_EQ(parse(GRUB("name=k", "--"), 0), 0);
    CHECK_STR(g.cmdline, "");
    CHECK_EQ(parse("--", 0), 0);
    CHECK_STR(g.cmdline, "");
    CHECK_EQ(parse("name=k", 0), 0);
    CHECK_STR(g.cmdline, "");
    /* -- written \-\- or "--" in grub.cfg is still -- */
    CHECK_EQ(parse("\\-\\- x", 0), 0);
    CHECK_STR(g.cmdline, "x");
    /* options after -- are the kernel's: no error for them */
    CHECK_EQ(parse(GRUB("--", "colour=blue", "mem=0"), 0), 0);
    CHECK_EQ(g.mem, 0);
    /* --x is an option (unknown), not the separator */
    CHECK_EQ(parse("--x a", 0), -1);
    CHECK_HAS(rep.msg[0], "unknown option '--x' ignored");
}

TEST(kernel_command_line_limit)
{
    static char big[2048];
    /* "-- " and 1023 bytes: fits exactly */
    memcpy(big, "-- ", 3);
    memset(big + 3, 'a', 1023);
    big[3 + 1023] = '\0';
    CHECK_EQ(parse(big, 0), 0);
    CHECK_EQ(strlen(g.cmdline), 1023);
    big[3 + 1023] = 'a';
    big[3 + 1024] = '\0';
    CHECK_EQ(parse(big, 0), -1);
    CHECK_HAS(rep.msg[0], "the kernel command line (after --) is longer than 1023 bytes");
    CHECK_STR(g.cmdline, "");
    /* quotes put back count too: k="..." of 1021 + 2 fits, one more does not */
    char word[1100] = "k=";
    memset(word + 2, 'v', 1017);
    word[2 + 1017] = ' ';
    word[2 + 1018] = '\0';          /* k=vvv...v<space>: 1020 bytes, 1022 with quotes */
    CHECK_EQ(parse(GRUB("--", word), 0), 0);
    CHECK_EQ(strlen(g.cmdline), 1022);
    CHECK_EQ(g.cmdline[2], '"');
    CHECK_EQ(g.cmdline[1021], '"');
    word[2 + 1018] = 'w';
    word[2 + 1019] = '\0';
    CHECK_EQ(parse(GRUB("--", word), 0), 0);
    CHECK_EQ(strlen(g.cmdline), 1023);
    word[2 + 1019] = 'w';
    word[2 + 1020] = '\0';
    CHECK_EQ(parse(GRUB("--", word), 0), -1);
    /* a separator that would leave no room */
    memset(big + 3, 'a', 1023);
    memcpy(big + 3 + 1023, " b", 3);
    CHECK_EQ(parse(big, 0), -1);
}

/* Split a GRUB line back into its words with Keel's functions. */
static int split(const char *l, char out[][64], int max)
{
    int n = 0;
    if (!*l)
        return 0;
    while (n < max) {
        size_t raw = cmdline_grub_word_len(l);
        size_t len = cmdline_grub_unquote(l, raw, out[n], 63);
        CHECK(len <= raw);
        out[n][len < 63 ? len : 63] = '\0';
        n++;
        l += raw;
        if (!*l)
            break;
        l++;
    }
    return n;
}

TEST(grub_quoting_undone_exactly)
{
    static const char *const cases[][4] = {
        { "a", "b", NULL },
        { "a b", NULL },
        { "x=\"y z\"", "'", "\\", NULL },
        { "\\\"", " ", "\"\"", NULL },
        { "", "a", "", NULL },
        { "--", "-- x", NULL },
        { "tab\there", "new\nline", NULL },
    };
    char out[8][64];
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int argc = 0;
        while (argc < 4 && cases[c][argc])
            argc++;
        grub_quote(cases[c], argc, line, sizeof(line));
        int n = split(line, out, 8);
        /* "" and {""} are the same line: GRUB leaves no trace of one empty word */
        CHECK_EQ(n, argc);
        for (int i = 0; i < argc && i < n; i++)
            CHECK_STR(out[i], cases[c][i]);
    }
    CHECK_EQ(split("", out, 8), 0);
    /* random words over the characters that matter */
    static const char alphabet[] = "ab= \"'\\\t-";
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char words[6][24];
        const char *argv[6];
        int argc = 1 + round % 6;
        for (int i = 0; i < argc; i++) {
            seed = seed * 1103515245 + 12345;
            int len = (seed >> 16) % 20;
            for (int k = 0; k < len; k++) {
                seed = seed * 1103515245 + 12345;
                words[i][k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
            }
            words[i][len] = '\0';
            argv[i] = words[i];
        }
        if (argc == 1 && !words[0][0])
            continue;
        grub_quote(argv, argc, line, sizeof(line));
        int n = split(line, out, 8);
        CHECK_EQ(n, argc);
        for (int i = 0; i < argc && i < n; i++)
            if (strcmp(out[i], argv[i]))
                UNIT_FAIL("round %d word %d: \"%s\" came back as \"%s\" (line %s)", round, i,
                          argv[i], out[i], line);
    }
}

TEST(unquote_writes_at_most_size)
{
    char out[4] = "zzz";
    CHECK_EQ(cmdline_grub_unquote("\"ab cd\"", 7, out, 2), 5);
    CHECK_EQ(out[0], 'a');
    CHECK_EQ(out[1], 'b');
    CHECK_EQ(out[2], 'z');
    CHECK_EQ(cmdline_grub_unquote("a\\", 2, NULL, 0), 2);   /* a lone backslash at the end */
    CHECK_EQ(cmdline_grub_word_len("\"a b"), 4);             /* an open quote runs to the end */
    CHECK_EQ(cmdline_grub_word_len("a\\ b c"), 4);
}

TEST(module_lines)
{
    /* module2 /boot/initrd.img for=linux1 initrd */
    CHECK_EQ(classify(GRUB("for=linux1", "initrd")), GUEST_LINE_MODULE);
    CHECK_STR(mod.guest, "linux1");
    CHECK_STR(mod.string, "initrd");
    /* module2 /boot/m.bin for=k */
    CHECK_EQ(classify(GRUB("for=k")), GUEST_LINE_MODULE);
    CHECK_STR(mod.guest, "k");
    CHECK_STR(mod.string, "");
    /* the same unquoting as a kernel's command line: for=k a msg="b c" -- d */
    CHECK_EQ(classify(GRUB("for=k", "a", "msg=b c", "--", "d")), GUEST_LINE_MODULE);
    CHECK_STR(mod.string, "a msg=\"b c\" -- d");
    CHECK_EQ(classify(GRUB("for=k", "'x y'")), GUEST_LINE_MODULE);
    CHECK_STR(mod.string, "'x y'");
    CHECK_EQ(rep.n, 0);

    /* guests */
    CHECK_EQ(classify(""), GUEST_LINE_GUEST);
    CHECK_EQ(classify("name=for"), GUEST_LINE_GUEST);
    CHECK_EQ(classify("form=3"), GUEST_LINE_GUEST);
    CHECK_EQ(classify("fo"), GUEST_LINE_GUEST);
    CHECK_EQ(classify(GRUB("--", "for=k")), GUEST_LINE_GUEST);
    CHECK_STR(mod.guest, "");
    /* for= later on the line: a guest whose line is wrong */
    CHECK_EQ(classify("name=k for=x"), GUEST_LINE_GUEST);
    CHECK_EQ(parse("name=k for=x", 0), -1);
    CHECK_HAS(rep.msg[0], "for=x: makes the line a module for that guest, and must then be its "
                          "first word");

    /* bad module lines */
    CHECK_EQ(classify("for="), GUEST_LINE_BAD);
    CHECK_HAS(rep.msg[0], "for=: a guest name needs 1 to 63 characters");
    CHECK_EQ(classify("for=a/b initrd"), GUEST_LINE_BAD);
    CHECK_HAS(rep.msg[0], "for=a/b: a guest name may hold only letters");
    CHECK_EQ(classify(GRUB("for=a b")), GUEST_LINE_BAD);
    char n64[80] = "for=";
    memset(n64 + 4, 'n', 64);
    CHECK_EQ(classify(n64), GUEST_LINE_BAD);
    CHECK_HAS(rep.msg[0], "a guest name needs 1 to 63 characters");
    n64[4 + 63] = '\0';
    CHECK_EQ(classify(n64), GUEST_LINE_MODULE);
    CHECK_EQ(strlen(mod.guest), 63);
    static char big[2048];
    memcpy(big, "for=k ", 6);
    memset(big + 6, 's', 1024);
    big[6 + 1024] = '\0';
    CHECK_EQ(classify(big), GUEST_LINE_BAD);
    CHECK_HAS(rep.msg[0], "module string for guest k longer than 1023 bytes");
    CHECK_STR(mod.guest, "");
    big[6 + 1023] = '\0';
    CHECK_EQ(classify(big), GUEST_LINE_MODULE);
    CHECK_EQ(strlen(mod.string), 1023);
}
