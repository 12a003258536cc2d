// unit: kernel/gdb/command.c kernel/gdb/packet.c kernel/lib/string.c
#include "kernel/gdb/command.h"
#include "unit.h"

static struct gdb_command c;

static enum gdb_op dec(const char *s)
{
    gdb_decode(s, strlen(s), &c);
    return c.op;
}

TEST(simple_requests)
{
    CHECK_EQ(dec("?"), GDB_HALT_REASON);
    CHECK_EQ(dec("g"), GDB_READ_REGS);
    CHECK_EQ(dec("D"), GDB_DETACH);
    CHECK_EQ(dec("k"), GDB_KILL);
    CHECK_EQ(dec("qC"), GDB_CURRENT_THREAD);
    CHECK_EQ(dec("qAttached"), GDB_ATTACHED);
    CHECK_EQ(dec("qfThreadInfo"), GDB_THREADS_FIRST);
    CHECK_EQ(dec("qsThreadInfo"), GDB_THREADS_NEXT);
    CHECK_EQ(dec("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+"), GDB_SUPPORTED);
    CHECK_EQ(dec("vCont?"), GDB_VCONT_QUERY);
    CHECK_EQ(dec("qTStatus"), GDB_UNSUPPORTED);
    CHECK_EQ(dec("vMustReplyEmpty"), GDB_UNSUPPORTED);
    CHECK_EQ(dec(""), GDB_UNSUPPORTED);
    CHECK_EQ(dec("gx"), GDB_MALFORMED);
}

TEST(memory_and_registers)
{
    CHECK_EQ(dec("m8000,40"), GDB_READ_MEM);
    CHECK_EQ(c.addr, 0x8000u);
    CHECK_EQ(c.len, 0x40u);
    CHECK_EQ(dec("mffffffff81000000,4"), GDB_READ_MEM);
    CHECK_EQ(c.addr, 0xffffffff81000000ull);
    CHECK_EQ(dec("m8000"), GDB_MALFORMED);
    CHECK_EQ(dec("m8000,"), GDB_MALFORMED);
    CHECK_EQ(dec("M9000,2:abcd"), GDB_WRITE_MEM);
    CHECK_EQ(c.data_len, 4u);
    CHECK(!strncmp(c.data, "abcd", 4));
    CHECK_EQ(dec("M9000,2"), GDB_MALFORMED);
    gdb_decode("X9000,2:\0\x7d", 10, &c);
    CHECK_EQ(c.op, GDB_WRITE_MEM_BINARY);
    CHECK_EQ(c.data_len, 2u);
    CHECK_EQ(c.data[0], 0);
    CHECK_EQ(dec("p10"), GDB_READ_REG);
    CHECK_EQ(c.reg, 16u);
    CHECK_EQ(dec("P10=0080000000000000"), GDB_WRITE_REG);
    CHECK_EQ(c.data_len, 16u);
    CHECK_EQ(dec("P10"), GDB_MALFORMED);
    CHECK_EQ(dec("G0011"), GDB_WRITE_REGS);
    CHECK_EQ(c.data_len, 4u);
}

TEST(break_and_watch_points)
{
    CHECK_EQ(dec("Z0,8010,1"), GDB_INSERT_POINT);
    CHECK_EQ(c.kind, GDB_SW_BREAK);
    CHECK_EQ(c.addr, 0x8010u);
    CHECK_EQ(c.len, 1u);
    CHECK_EQ(dec("z1,8010,1"), GDB_REMOVE_POINT);
    CHECK_EQ(c.kind, GDB_HW_BREAK);
    CHECK_EQ(dec("Z2,9000,4"), GDB_INSERT_POINT);
    CHECK_EQ(c.kind, GDB_WRITE_WATCH);
    CHECK_EQ(dec("Z4,9000,8"), GDB_INSERT_POINT);
    CHECK_EQ(dec("Z5,9000,8"), GDB_MALFORMED);
    CHECK_EQ(dec("Z0,8010,1;X1,0"), GDB_UNSUPPORTED);    /* a condition */
    CHECK_EQ(dec("Z0,8010"), GDB_MALFORMED);
}

TEST(resume_and_threads)
{
    CHECK_EQ(dec("c"), GDB_CONTINUE);
    CHECK(!c.has_addr);
    CHECK_EQ(dec("s8000"), GDB_STEP);
    CHECK(c.has_addr);
    CHECK_EQ(c.addr, 0x8000u);
    CHECK_EQ(dec("cz"), GDB_MALFORMED);
    CHECK_EQ(dec("Hg1"), GDB_SET_THREAD);
    CHECK_EQ(c.kind, 'g');
    CHECK_EQ(c.thread, 1);
    CHECK_EQ(dec("Hc-1"), GDB_SET_THREAD);
    CHECK_EQ(c.thread, GDB_THREAD_ALL);
    CHECK_EQ(dec("Hc0"), GDB_SET_THREAD);
    CHECK_EQ(c.thread, GDB_THREAD_ANY);
    CHECK_EQ(dec("Hx1"), GDB_MALFORMED);
    CHECK_EQ(dec("H"), GDB_MALFORMED);
    CHECK_EQ(dec("T2"), GDB_THREAD_ALIVE);
    CHECK_EQ(c.thread, 2);
}

TEST(vcont_actions)
{
    CHECK_EQ(dec("vCont;s:2;c"), GDB_VCONT);
    CHECK_EQ(c.vcont_count, 2u);
    CHECK_EQ(c.vcont[0].action, 's');
    CHECK_EQ(c.vcont[0].thread, 2);
    CHECK_EQ(c.vcont[1].action, 'c');
    CHECK_EQ(c.vcont[1].thread, GDB_THREAD_ALL);
    CHECK_EQ(dec("vCont;C05:1"), GDB_VCONT);
    CHECK_EQ(c.vcont[0].action, 'c');
    CHECK_EQ(dec("vCont;x"), GDB_MALFORMED);
    CHECK_EQ(dec("vCont;"), GDB_MALFORMED);
    CHECK_EQ(dec("vCont;c;c;c;c;c;c;c;c;c"), GDB_MALFORMED);     /* nine */
}

TEST(feature_transfer)
{
    CHECK_EQ(dec("qXfer:features:read:target.xml:0,ffb"), GDB_XFER_FEATURES);
    CHECK_EQ(c.data_len, strlen("target.xml"));
    CHECK(!strncmp(c.data, "target.xml", c.data_len));
    CHECK_EQ(c.addr, 0u);
    CHECK_EQ(c.len, 0xffbu);
    CHECK_EQ(dec("qXfer:features:read:target.xml"), GDB_MALFORMED);
}
