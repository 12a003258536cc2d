// unit: kernel/options.c kernel/cmdline.c drivers/uart_config.c kernel/lib/fmt.c
/* The options console discovery and GRUB's try mode read: whether the
 * command line chose the console (console=, comN=), and bootok=. */
#include "kernel/options.h"
#include "unit.h"

int log_level;                  /* kernel/options.c's neighbours in the kernel */

TEST(console_and_com_given)
{
    struct keel_options o;
    struct reports r = { 0 };
    options_defaults(&o);
    CHECK(!o.console_given);
    CHECK_EQ(o.com_given, 0);
    CHECK_EQ(options_parse("loglvl=debug", &o, collect_report, &r), 0);
    CHECK(!o.console_given);
    CHECK_EQ(options_parse("com2=9600 com4=115200,8n1,0x2e0", &o, collect_report, &r), 0);
    CHECK(!o.console_given);
    CHECK_EQ(o.com_given, 0xa);
    CHECK_EQ(o.com[3].port, 0x2e0);
    CHECK_EQ(options_parse("console=com3", &o, collect_report, &r), 0);
    CHECK(o.console_given);
    CHECK_EQ(o.console, 2);

    options_defaults(&o);                   /* a bad value chooses nothing */
    CHECK_EQ(options_parse("console=com9 com1=7", &o, collect_report, &r), 2);
    CHECK(!o.console_given);
    CHECK_EQ(o.com_given, 0);
}

TEST(bootok)
{
    struct keel_options o;
    struct reports r = { 0 };
    options_defaults(&o);
    CHECK(!o.bootok.on);
    CHECK_EQ(options_parse("bootok=cmos:0x0a", &o, collect_report, &r), 1);  /* a clock mode */
    CHECK(!o.bootok.on);
    CHECK_HAS(r.msg[0], "expected cmos:INDEX[:VALUE]");
    CHECK_EQ(options_parse("bootok=cmos:0x01", &o, collect_report, &r), 0);  /* seconds alarm */
    CHECK(o.bootok.on);
    CHECK_EQ(o.bootok.index, 0x01);
    CHECK_EQ(options_parse("bootok=cmos:0x38", &o, collect_report, &r), 0);
    CHECK(o.bootok.on);
    CHECK_EQ(o.bootok.index, 0x38);
    CHECK_EQ(o.bootok.value, BOOT_MARK_DEFAULT);
    CHECK_EQ(options_parse("bootok=cmos:0x80:0x99", &o, collect_report, &r), 0);
    CHECK_EQ(o.bootok.index, 0x80);
    CHECK_EQ(o.bootok.value, 0x99);
    memset(&r, 0, sizeof(r));
    CHECK_EQ(options_parse("bootok=cmos:0x38:0 bootok=cmos:0x100 bootok=rtc:0x38 bootok "
                           "bootok=cmos:0x38:0x4b:1", &o, collect_report, &r), 5);
    CHECK_EQ(o.bootok.index, 0x80);         /* unchanged by the bad ones */
}
