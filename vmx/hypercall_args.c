/* Hypercall arguments (hypercall_args.h). */
#include "vmx/hypercall_args.h"

#include "vmx/hypercall.h"

static bool buffer_ok(uint64_t gpa, uint64_t len, uint64_t mem)
{
    return len <= HC_BUFFER_MAX && gpa < mem && len <= mem - gpa;
}

struct hc_call hc_decode(uint64_t nr, uint64_t rbx, uint64_t rcx, uint64_t rdx, uint64_t mem)
{
    struct hc_call c = { .nr = nr, .error = HC_OK };
    switch (nr) {
    case HC_NOP:
        break;
    case HC_CONSOLE_WRITE:
        c.gpa = rbx, c.len = rcx;
        break;
    case HC_TEST_RESULT:
        c.fail = rbx != 0;
        c.gpa = rcx, c.len = rdx;
        break;
    case HC_EXIT:
        c.status = (uint32_t)rbx;
        break;
    default:
        c.error = HC_EUNKNOWN;
        return c;
    }
    if ((nr == HC_CONSOLE_WRITE || nr == HC_TEST_RESULT) && !buffer_ok(c.gpa, c.len, mem)) {
        c.error = HC_EFAULT;
        c.gpa = c.len = 0;
    }
    return c;
}
