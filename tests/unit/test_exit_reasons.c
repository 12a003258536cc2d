// unit:
/* The exit-reason table (vmx/exit_reasons.def) and the enum generated
 * from it (vmx/exit_reason.h): numbers as the SDM's Appendix C gives
 * them, every reason once, the count right, and the reasons Keel handles
 * going to their handlers rather than to exit_unexpected. */
#include "vmx/exit_reason.h"
#include "unit.h"

struct row {
    unsigned num;
    const char *name, *fn;
};
static const struct row rows[] = {
#define EXIT_REASON(num, name, fn) { num, #name, #fn },
#include "vmx/exit_reasons.def"
#undef EXIT_REASON
};
#define ROWS (sizeof(rows) / sizeof(rows[0]))

static const char *handler_of(const char *name)
{
    for (unsigned i = 0; i < ROWS; i++)
        if (!strcmp(rows[i].name, name))
            return rows[i].fn;
    return NULL;
}

TEST(every_reason_once_in_order)
{
    CHECK_EQ(ROWS, EXIT_REASON_COUNT);
    for (unsigned i = 0; i < ROWS; i++) {
        CHECK_EQ(rows[i].num, i);
        for (unsigned k = 0; k < i; k++)
            if (!strcmp(rows[i].name, rows[k].name))
                UNIT_FAIL("%s listed twice", rows[i].name);
    }
}

TEST(enum_matches_the_sdm_numbers)
{
    CHECK_EQ(EXIT_REASON_EXCEPTION_NMI, 0);
    CHECK_EQ(EXIT_REASON_TRIPLE_FAULT, 2);
    CHECK_EQ(EXIT_REASON_INTERRUPT_WINDOW, 7);
    CHECK_EQ(EXIT_REASON_NMI_WINDOW, 8);
    CHECK_EQ(EXIT_REASON_CPUID, 10);
    CHECK_EQ(EXIT_REASON_HLT, 12);
    CHECK_EQ(EXIT_REASON_VMCALL, 18);
    CHECK_EQ(EXIT_REASON_IO_INSTRUCTION, 30);
    CHECK_EQ(EXIT_REASON_INVALID_GUEST_STATE, 33);
    CHECK_EQ(EXIT_REASON_MSR_LOADING, 34);
    CHECK_EQ(EXIT_REASON_MACHINE_CHECK, 41);
    CHECK_EQ(EXIT_REASON_APIC_ACCESS, 44);
    CHECK_EQ(EXIT_REASON_EPT_VIOLATION, 48);
    CHECK_EQ(EXIT_REASON_PREEMPTION_TIMER, 52);
    CHECK_EQ(EXIT_REASON_APIC_WRITE, 56);
    CHECK_EQ(EXIT_REASON_LOADIWKEY, 69);
    CHECK_EQ(EXIT_REASON_COUNT, 70);
}

TEST(the_guest_platform_exits_have_handlers)
{
    CHECK_STR(handler_of("INTERRUPT_WINDOW"), "exit_interrupt_window");
    CHECK_STR(handler_of("NMI_WINDOW"), "exit_nmi_window");
    CHECK_STR(handler_of("EXTERNAL_INTERRUPT"), "exit_external_interrupt");
    CHECK_STR(handler_of("HLT"), "exit_hlt");
    CHECK_STR(handler_of("APIC_ACCESS"), "exit_apic_access");
    CHECK_STR(handler_of("APIC_WRITE"), "exit_apic_write");
    CHECK_STR(handler_of("EPT_VIOLATION"), "exit_ept_violation");
    CHECK_STR(handler_of("PREEMPTION_TIMER"), "exit_preemption_timer");
    /* what never happens to a guest Keel runs goes to the one handler
     * that dumps the VMCS and stops the guest */
    CHECK_STR(handler_of("INIT_SIGNAL"), "exit_unexpected");
    CHECK_STR(handler_of("RESERVED_35"), "exit_unexpected");
}
