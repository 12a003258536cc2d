// unit: kernel/guest_config.c kernel/cmdline.c kernel/lib/fmt.c
#include "kernel/guest_config.h"
#include "unit.h"

static struct guest_config g;
static struct reports rep;

static int parse(const char *line, uint64_t size)
{
    memset(&rep, 0, sizeof(rep));
    return guest_config_parse(line, size, &g, collect_report, &rep);
}

TEST(defaults_and_full_form)
{
    CHECK_EQ(parse("name=hello", 100), 0);
    CHECK_STR(g.name, "hello");
    CHECK_EQ(g.mode, GUEST_LONG64);
    CHECK_EQ(g.mem, 2 << 20);
    CHECK_EQ(g.load, 0x8000);
    CHECK_EQ(g.entry, 0x8000);
    CHECK_EQ(parse("name=rm-1 mode=real16 mem=1 load=0x7c00 entry=0x7c10", 512), 0);
    CHECK_EQ(g.mode, GUEST_REAL16);
    CHECK_EQ(g.mem, 1 << 20);
    CHECK_EQ(g.load, 0x7c00);
    CHECK_EQ(g.entry, 0x7c10);
    CHECK_EQ(rep.n, 0);
}

TEST(every_problem_reported)
{
    CHECK_EQ(parse("mode=vm86 mem=0 colour=blue", 100), -1);
    CHECK_HAS(rep.msg[0], "mode=vm86: expected one of real16|prot32|long64");
    CHECK_HAS(rep.msg[1], "mem=0: expected MiB from 1 to 1024");
    CHECK_HAS(rep.msg[2], "unknown option 'colour' ignored");
    CHECK_HAS(rep.msg[3], "no name=");
    CHECK_EQ(parse("name=bad/name", 10), -1);
    CHECK_HAS(rep.msg[0], "may hold only letters");
}

TEST(image_must_fit_below_the_page_tables)
{
    /* 2 MiB long64 guest: 3 page-table pages at the top. */
    CHECK_EQ(parse("name=a load=0x1000", (2 << 20) - 0x1000 - 3 * 4096), 0);
    CHECK_EQ(parse("name=a load=0x1000", (2 << 20) - 0x1000 - 3 * 4096 + 1), -1);
    CHECK_HAS(rep.msg[0], "does not fit below 0x1fd000 (the page tables are above)");
    CHECK_EQ(parse("name=a mode=prot32 load=0x1000", (2 << 20) - 0x1000), 0);
    CHECK_EQ(parse("name=a load=0x300000", 1), -1);
}

TEST(entry_inside_image_and_real_mode_below_1m)
{
    CHECK_EQ(parse("name=a entry=0x9000", 0x1000), -1);
    CHECK_HAS(rep.msg[0], "entry 0x9000 is outside the image (0x8000, 4096 bytes)");
    CHECK_EQ(parse("name=a mode=real16 mem=4 load=0xff000", 0x2000), -1);
    CHECK_HAS(rep.msg[0], "below 1 MiB");
}

TEST(cpus_count_and_list)
{
    CHECK_EQ(parse("name=a", 100), 0);
    CHECK_EQ(g.vcpus, 1);
    CHECK_EQ(g.cpu_list_len, 0);
    CHECK_EQ(parse("name=a cpus=3", 100), 0);
    CHECK_EQ(g.vcpus, 3);
    CHECK_EQ(g.cpu_list_len, 0);
    CHECK_EQ(parse("name=a cpus=1,3-5", 100), 0);
    CHECK_EQ(g.vcpus, 4);
    CHECK_EQ(g.cpu_list_len, 4);
    CHECK_EQ(g.cpu_list[0], 1);
    CHECK_EQ(g.cpu_list[3], 5);
    CHECK_EQ(parse("name=a cpus=2-2", 100), 0);
    CHECK_EQ(g.cpu_list_len, 1);
    CHECK_EQ(g.cpu_list[0], 2);
}

TEST(cpus_refused)
{
    CHECK_EQ(parse("name=a cpus=0", 100), -1);
    CHECK_HAS(rep.msg[0], "expected a count from 1 to 8");
    CHECK_EQ(parse("name=a cpus=9", 100), -1);
    CHECK_EQ(parse("name=a cpus=1,1", 100), -1);
    CHECK_HAS(rep.msg[0], "listed twice");
    CHECK_EQ(parse("name=a cpus=3-2", 100), -1);
    CHECK_EQ(parse("name=a cpus=0-8", 100), -1);
    CHECK_HAS(rep.msg[0], "more than 8 CPUs");
    CHECK_EQ(parse("name=a cpus=1,", 100), -1);
    CHECK_HAS(rep.msg[0], "does not end with a comma");
    /* longer than a number: not cut in two (found by reading the fuzzer's target) */
    CHECK_EQ(parse("name=a cpus=00000000000003,4", 100), -1);
    CHECK_EQ(parse("name=a cpus=1,000000000002", 100), -1);
    CHECK_EQ(parse("name=a cpus=x,2", 100), -1);
}
