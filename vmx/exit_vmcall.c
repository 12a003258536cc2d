/* VMCALL: Keel's hypercalls (vmx/hypercall.h). Only CPL 0 may call;
 * anything a guest passes is checked against its own RAM. */
#include "kernel/log.h"
#include "vmx/dev/devices.h"
#include "vmx/gpr.h"
#include "vmx/hypercall.h"


/* Out of line: they need a frame that VMCALL's hot path (HC_NOP) should not pay for. */
static __attribute__((noinline)) int64_t console_write(struct vcpu *v, uint64_t gpa, uint64_t len)
{
    const char *s = len <= HC_BUFFER_MAX ? guest_ram(v->guest, gpa, len) : NULL;
    if (!s)
        return HC_EFAULT;
    for (uint64_t i = 0; i < len; i++)
        guest_console_putc(v->guest, s[i]);
    return HC_OK;
}

static __attribute__((noinline)) int64_t test_result(struct vcpu *v, uint64_t fail, uint64_t gpa,
                                                   uint64_t len)
{
    struct guest *g = v->guest;
    const char *s = len <= HC_BUFFER_MAX ? guest_ram(g, gpa, len) : NULL;
    if (!s)
        return HC_EFAULT;
    guest_console_flush(g);
    char msg[100];
    unsigned n = 0;
    for (uint64_t i = 0; i < len && n < sizeof(msg) - 1; i++)
        msg[n++] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '.';
    msg[n] = '\0';
    if (fail) {
        g->tests_failed++;
        log_err("guest %s: FAIL: %s", g->cfg.name, msg);
    } else {
        g->tests_passed++;
        log_info("guest %s: PASS: %s", g->cfg.name, msg);
    }
    return HC_OK;
}

/* Every call but HC_NOP: out of line, so that the measured round trip
 * (HC_NOP) pays for none of this. */
static __attribute__((noinline)) enum exit_action hypercall(struct vcpu *v, uint64_t nr,
                                                            uint64_t mask)
{
    uint64_t a = v->regs.rbx & mask, b = v->regs.rcx & mask, c = v->regs.rdx & mask;
    int64_t ret;
    switch (nr) {
    case HC_CONSOLE_WRITE:
        ret = console_write(v, a, b);
        break;
    case HC_TEST_RESULT:
        ret = test_result(v, a, b, c);
        break;
    case HC_EXIT:
        guest_exit(v->guest, (uint32_t)a, "");
        return EXIT_STOP;
    default:
        ret = HC_EUNKNOWN;
        break;
    }
    v->regs.rax = (uint64_t)ret & mask;
    return EXIT_NEXT_INSTRUCTION;
}

enum exit_action exit_vmcall(struct vcpu *v)
{
    if (VMX_AR_DPL(vmread(VMCS_GUEST_SS_AR_BYTES)) != 0) {
        inject_exception(VECTOR_UD, false, 0);      /* not for user mode */
        return EXIT_RESUME;
    }
    uint64_t mask = guest_word_mask();
    uint64_t nr = v->regs.rax & mask;
    if (nr != HC_NOP)
        return hypercall(v, nr, mask);
    v->regs.rax = HC_OK;
    return EXIT_NEXT_INSTRUCTION;
}
