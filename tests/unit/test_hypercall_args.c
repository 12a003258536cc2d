// unit: vmx/hypercall_args.c
#include "vmx/hypercall.h"
#include "vmx/hypercall_args.h"
#include "unit.h"

#define MEM (2ull << 20)

TEST(calls_decode)
{
    struct hc_call c = hc_decode(HC_NOP, 1, 2, 3, MEM);
    CHECK_EQ(c.error, HC_OK);
    c = hc_decode(HC_CONSOLE_WRITE, 0x8000, 16, 0, MEM);
    CHECK(c.error == HC_OK && c.gpa == 0x8000 && c.len == 16);
    c = hc_decode(HC_TEST_RESULT, 1, 0x9000, 5, MEM);
    CHECK(c.error == HC_OK && c.fail && c.gpa == 0x9000 && c.len == 5);
    c = hc_decode(HC_EXIT, 0x100000007ull, 0, 0, MEM);
    CHECK(c.error == HC_OK && c.status == 7);
    CHECK_EQ(hc_decode(4, 0, 0, 0, MEM).error, HC_EUNKNOWN);
    CHECK_EQ(hc_decode((1ull << 32) | HC_EXIT, 0, 0, 0, MEM).error, HC_EUNKNOWN);
}

/* Buffers: at most HC_BUFFER_MAX bytes, every one of them in RAM, no
 * wrap-around; a refused one names nothing. */
TEST(buffers_checked)
{
    CHECK_EQ(hc_decode(HC_CONSOLE_WRITE, MEM - 16, 16, 0, MEM).error, HC_OK);
    CHECK_EQ(hc_decode(HC_CONSOLE_WRITE, MEM - 16, 17, 0, MEM).error, HC_EFAULT);
    CHECK_EQ(hc_decode(HC_CONSOLE_WRITE, MEM, 0, 0, MEM).error, HC_EFAULT);
    CHECK_EQ(hc_decode(HC_CONSOLE_WRITE, 0, HC_BUFFER_MAX + 1, 0, MEM).error, HC_EFAULT);
    CHECK_EQ(hc_decode(HC_CONSOLE_WRITE, ~0ull, 2, 0, MEM).error, HC_EFAULT);
    CHECK_EQ(hc_decode(HC_TEST_RESULT, 0, 0x1000, ~0ull, MEM).error, HC_EFAULT);
    struct hc_call c = hc_decode(HC_TEST_RESULT, 0, ~0ull - 1, 4, MEM);
    CHECK(c.error == HC_EFAULT && c.gpa == 0 && c.len == 0);
}
