/* A guest and its vCPU. Static partitioning: one vCPU per guest, run on one
 * physical CPU at a time; guests get disjoint host memory mapped by EPT. */
#ifndef KEEL_VMX_GUEST_H
#define KEEL_VMX_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/x86.h"
#include "kernel/guest_config.h"
#include "vmx/ept.h"

#define EXIT_REASON_COUNT 70

/* Guest general registers that the VMCS does not hold, in the order
 * vmx/entry.asm saves them (GR_* there: checked below). */
struct guest_regs {
    uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(offsetof(struct guest_regs, rax) == 0 * 8, "entry.asm GR_RAX");
_Static_assert(offsetof(struct guest_regs, rcx) == 1 * 8, "entry.asm GR_RCX");
_Static_assert(offsetof(struct guest_regs, rdx) == 2 * 8, "entry.asm GR_RDX");
_Static_assert(offsetof(struct guest_regs, rbx) == 3 * 8, "entry.asm GR_RBX");
_Static_assert(offsetof(struct guest_regs, rbp) == 4 * 8, "entry.asm GR_RBP");
_Static_assert(offsetof(struct guest_regs, rsi) == 5 * 8, "entry.asm GR_RSI");
_Static_assert(offsetof(struct guest_regs, rdi) == 6 * 8, "entry.asm GR_RDI");
_Static_assert(offsetof(struct guest_regs, r8) == 7 * 8, "entry.asm GR_R8");
_Static_assert(offsetof(struct guest_regs, r15) == 14 * 8, "entry.asm GR_R15");

/* The XSAVE components a guest may enable with XSETBV: those whose rules
 * exit_xsetbv.c checks (others, such as AMX's, could make Keel's own
 * XSETBV fault), and that scrub_cpu_state resets between guests. */
#define GUEST_XCR0_ALLOWED (X86_XCR0_X87 | X86_XCR0_SSE | X86_XCR0_AVX | X86_XCR0_BNDREGS | \
                            X86_XCR0_BNDCSR | X86_XCR0_AVX512 | X86_XCR0_PKRU)

enum guest_state { GUEST_CREATED, GUEST_RUNNING, GUEST_EXITED, GUEST_STOPPED };

struct vcpu {
    struct guest_regs regs;         /* first: vmx/entry.asm uses the vCPU as its regs */
    bool launched;                  /* VMLAUNCH done: VMRESUME from now on */
    struct guest *guest;
    uint64_t vmcs;                  /* physical address of its VMCS */
    uint16_t vpid;
    uint64_t dr[4], dr6;            /* debug registers: kept, not loaded */
    uint64_t cr8;                   /* the guest's TPR (CR8 exits) */
    uint64_t pat;                   /* IA32_PAT when the VMCS has no field for it */
    unsigned msr_refusals;
    uint64_t deadline;              /* TSC at which its time budget runs out; 0: none */
};
_Static_assert(offsetof(struct vcpu, regs) == 0, "entry.asm: the vCPU is its regs");
_Static_assert(offsetof(struct vcpu, launched) == 15 * 8, "entry.asm VCPU_LAUNCHED");

struct guest {
    struct guest_config cfg;
    unsigned index;
    uint64_t ram;                   /* host-physical base of its RAM */
    struct ept ept;
    struct vcpu vcpu;
    enum guest_state state;
    uint32_t exit_status;           /* GUEST_EXITED: the status it gave */
    char why[160];                  /* GUEST_STOPPED: the diagnostic */
    uint32_t cpu;                   /* the physical CPU it ran on */
    uint64_t exits[EXIT_REASON_COUNT];
    unsigned tests_passed, tests_failed;    /* HC_TEST_RESULT reports */
    char line[120];                 /* guest console: the line being written */
    unsigned line_len;
};

/* Stop the guest with a diagnostic (printed with its name). */
void guest_stop(struct guest *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Guest-physical to Keel's pointer, for `len` bytes inside guest RAM; NULL
 * when any byte lies outside it. Guests choose these addresses: check. */
void *guest_ram(struct guest *g, uint64_t gpa, uint64_t len);

/* Build the guest's memory, EPT and (long64) page tables; copy the image. */
bool guest_create(struct guest *g, const void *image);

/* Run the guest on this CPU until it exits or is stopped. */
void vcpu_run(struct vcpu *v);

/* A vCPU's start state: built as an image (controls, this CPU's host
 * state, guest state for its mode), then written to the current VMCS. */
struct vmcs_image;
void vmcs_build(struct vcpu *v, struct vmcs_image *img);
void vmcs_load(const struct vmcs_image *img);

/* VMX-preemption timer value for `tsc_ticks` on this CPU (IA32_VMX_MISC
 * bits 4:0 give the rate), at least 1, at most the 32-bit field's limit. */
uint32_t vmx_preemption_timer_value(uint64_t tsc_ticks);

/* MSRs guests use directly that VM exits do not switch (vmcs_setup.c). */
#define GUEST_UNSWITCHED_MSRS 5
extern const uint32_t guest_unswitched_msrs[GUEST_UNSWITCHED_MSRS];

/* Shared by every VMCS: I/O bitmaps (everything exits) and MSR bitmap. */
void vmx_bitmaps_init(void);

/* vmx/entry.asm: enter the guest (VMLAUNCH, then VMRESUME) and handle its
 * exits (vmx_handle_exit) until a handler says stop: returns 0 then, or 1
 * on VMfailInvalid, 2 on VMfailValid (the VM-instruction error says why). */
int vmx_run(struct vcpu *v);
void vmx_exit_stub(void);

#endif
