/* VMCALL: Keel's hypercalls (vmx/hypercall.h). Only CPL 0 may call;
 * anything a guest passes is checked against its own RAM. */
#include "kernel/log.h"
#include "vmx/dev/devices.h"
#include "vmx/gpr.h"
#include "vmx/hypercall.h"
#include "vmx/hypercall_args.h"


/* Out of line: they need a frame that VMCALL's hot path (HC_NOP) should
 * not pay for. The buffer was checked by hc_decode. */
static __attribute__((noinline)) void console_write(struct vcpu *v, const struct hc_call *c)
{
    const char *s = guest_ram(v->guest, c->gpa, c->len);
    for (uint64_t i = 0; i < c->len; i++)
        guest_console_putc(v->guest, s[i]);
}

static __attribute__((noinline)) void test_result(struct vcpu *v, const struct hc_call *c)
{
    struct guest *g = v->guest;
    const char *s = guest_ram(g, c->gpa, c->len);
    guest_console_flush(g);
    char msg[100];
    unsigned n = 0;
    for (uint64_t i = 0; i < c->len && n < sizeof(msg) - 1; i++)
        msg[n++] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '.';
    msg[n] = '\0';
    if (c->fail) {
        g->tests_failed++;
        log_err("guest %s: FAIL: %s", g->cfg.name, msg);
    } else {
        g->tests_passed++;
        log_info("guest %s: PASS: %s", g->cfg.name, msg);
    }
}

/* Every call but HC_NOP: out of line, so that the measured round trip
 * (HC_NOP) pays for none of this. */
static __attribute__((noinline)) enum exit_action hypercall(struct vcpu *v, uint64_t nr,
                                                            uint64_t mask)
{
    struct hc_call c = hc_decode(nr, v->regs.rbx & mask, v->regs.rcx & mask,
                                 v->regs.rdx & mask, v->guest->cfg.mem);
    if (c.error == HC_OK) {
        switch (nr) {
        case HC_CONSOLE_WRITE:
            console_write(v, &c);
            break;
        case HC_TEST_RESULT:
            test_result(v, &c);
            break;
        case HC_EXIT:
            guest_exit(v->guest, c.status, "");
            return EXIT_STOP;
        }
    }
    v->regs.rax = (uint64_t)c.error & mask;
    return EXIT_NEXT_INSTRUCTION;
}

enum exit_action exit_vmcall(struct vcpu *v)
{
    if (VMX_AR_DPL(vmread(VMCS_GUEST_SS_AR_BYTES)) != 0) {
        inject_exception(VECTOR_UD, false, 0);      /* not for user mode */
        return EXIT_RESUME;
    }
    /* RAX = HC_NOP in full is HC_NOP in every mode: the mode's word
     * (a CS read) matters only for the others. */
    if (v->regs.rax != HC_NOP) {
        uint64_t mask = guest_word_mask();
        uint64_t nr = v->regs.rax & mask;
        if (nr != HC_NOP)
            return hypercall(v, nr, mask);
    }
    v->regs.rax = HC_OK;
    return EXIT_NEXT_INSTRUCTION;
}
