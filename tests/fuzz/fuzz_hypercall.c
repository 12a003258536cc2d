// fuzz: vmx/hypercall_args.c
/* libFuzzer harness for the hypercall arguments (vmx/hypercall_args.c):
 * any call number, any registers, any RAM size. An accepted buffer lies
 * wholly in RAM and within HC_BUFFER_MAX; a refused one is reported with
 * HC_EFAULT and names nothing (a buffer starts inside RAM, even an empty
 * one, as guest_ram requires); unknown calls are HC_EUNKNOWN; the decode
 * matches an independent, 128-bit reference.
 *   scripts/fuzz.sh hypercall */
#include <stdbool.h>
#include <stdint.h>

#include "vmx/hypercall.h"
#include "vmx/hypercall_args.h"

#define FUZZ_NAME "hypercall"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    uint64_t sel = take(&in, 1);
    /* Mostly the calls that exist and buffers near RAM's end; sometimes anything. */
    uint64_t nr = sel & 0x80 ? take(&in, 8) : sel % 5;
    uint64_t mem = (take(&in, 4) + 1) << 12;
    uint64_t rbx = take(&in, 8), rcx = take(&in, 8), rdx = take(&in, 8);
    if (sel & 0x40) {
        rcx = mem - (rcx & 0x1fff);         /* a buffer at RAM's end */
        rdx &= 0x1fff;
    }
    struct hc_call c = hc_decode(nr, rbx, rcx, rdx, mem);
    ASSERT(c.nr == nr);
    if (nr > HC_EXIT) {
        ASSERT(c.error == HC_EUNKNOWN);
        return 0;
    }
    bool buffer = nr == HC_CONSOLE_WRITE || nr == HC_TEST_RESULT;
    uint64_t gpa = nr == HC_CONSOLE_WRITE ? rbx : rcx, len = nr == HC_CONSOLE_WRITE ? rcx : rdx;
    bool fits = gpa < mem && (unsigned __int128)gpa + len <= mem && len <= HC_BUFFER_MAX;
    if (buffer && !fits) {
        ASSERT(c.error == HC_EFAULT && c.gpa == 0 && c.len == 0);
        return 0;
    }
    ASSERT(c.error == HC_OK);
    if (buffer) {
        ASSERT(c.gpa == gpa && c.len == len);
        ASSERT(c.gpa < mem);
        ASSERT(c.len <= HC_BUFFER_MAX && c.gpa + c.len <= mem && c.gpa + c.len >= c.gpa);
    }
    if (nr == HC_TEST_RESULT)
        ASSERT(c.fail == (rbx != 0));
    if (nr == HC_EXIT)
        ASSERT(c.status == (uint32_t)rbx);
    return 0;
}
