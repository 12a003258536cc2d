/* The exit dispatcher (KVM: vmx_handle_exit and kvm_vmx_exit_handlers[]).
 * RIP is advanced here and nowhere else. */
#include "arch/x86/cpu.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/mm.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "vmx/exit.h"
#include "kernel/console_input.h"
#include "vmx/vmcs_fields.h"
#include "vmx/entry_check.h"
#include "vmx/event.h"
#include "vmx/gpr.h"
#include "vmx/vmcs_image.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

#define EXIT_REASON_ENTRY_FAILURE (1u << 31)
#define EXIT_REASON_BASIC(r) ((r) & 0xffff)
/* SDM "Exit Qualification for VM-Entry Failure": invalid guest state */
#define ENTRY_FAILURE_QUAL_PDPTE 2
#define ENTRY_FAILURE_QUAL_LINK_POINTER 4

static const exit_handler_fn exit_handlers[EXIT_REASON_COUNT] = {
#define EXIT_REASON(num, name, fn) [num] = fn,
#include "vmx/exit_reasons.def"
#undef EXIT_REASON
};

static const char *const exit_names[EXIT_REASON_COUNT] = {
#define EXIT_REASON(num, name, fn) [num] = #name,
#include "vmx/exit_reasons.def"
#undef EXIT_REASON
};

const char *exit_reason_name(uint32_t reason)
{
    return reason < EXIT_REASON_COUNT && exit_names[reason] ? exit_names[reason] : "UNKNOWN";
}

/* SDM "VM-Instruction Error Numbers" */
static const char *const instruction_errors[] = {
    [1] = "VMCALL executed in VMX root operation",
    [2] = "VMCLEAR with invalid physical address",
    [3] = "VMCLEAR with VMXON pointer",
    [4] = "VMLAUNCH with non-clear VMCS",
    [5] = "VMRESUME with non-launched VMCS",
    [6] = "VMRESUME after VMXOFF",
    [7] = "VM entry with invalid control field(s)",
    [8] = "VM entry with invalid host-state field(s)",
    [9] = "VMPTRLD with invalid physical address",
    [10] = "VMPTRLD with VMXON pointer",
    [11] = "VMPTRLD with incorrect VMCS revision identifier",
    [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
    [13] = "VMWRITE to read-only VMCS component",
    [15] = "VMXON executed in VMX root operation",
    [16] = "VM entry with invalid executive-VMCS pointer",
    [17] = "VM entry with non-launched executive VMCS",
    [18] = "VM entry with executive-VMCS pointer not VMXON pointer",
    [19] = "VMCALL with non-clear VMCS",
    [20] = "VMCALL with invalid VM-exit control fields",
    [22] = "VMCALL with incorrect MSEG revision identifier",
    [23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
    [24] = "VMCALL with invalid SMM-monitor features",
    [25] = "VM entry with invalid VM-execution control fields in executive VMCS",
    [26] = "VM entry with events blocked by MOV SS",
    [28] = "invalid operand to INVEPT/INVVPID",
};

static const char *instruction_error_name(uint64_t e)
{
    return e < sizeof(instruction_errors) / sizeof(instruction_errors[0]) &&
                   instruction_errors[e] ? instruction_errors[e] : "unknown error";
}

/* VMREAD that reports failure instead of panicking, for dumps. */
static bool vmread_ok(uint32_t field, uint64_t *v)
{
    uint8_t cf, zf;
    asm volatile("vmread %3, %0; setc %1; setz %2"
                 : "=r"(*v), "=qm"(cf), "=qm"(zf) : "r"((uint64_t)field) : "cc");
    return !(cf | zf);
}

void vmcs_fail(const char *op, uint32_t field)
{
    /* With a current VMCS the failure was VMfailValid and the
     * VM-instruction error says why; without one, VMfailInvalid. */
    uint64_t err = 0;
    bool valid = vmread_ok(VMCS_VM_INSTRUCTION_ERROR, &err);
    const char *name = vmcs_field_name(field);
    panic("%s of %s (0x%x) failed: %s%s", op, name ? name : "an unknown field", field,
          valid ? "VMfailValid, " : "VMfailInvalid (no current VMCS)",
          valid ? instruction_error_name(err) : "");
}

void vmcs_dump(const char *why)
{
    log_dump("VMCS dump (%s):", why);
    for (unsigned i = 0; i < vmcs_field_count; i++) {
        const struct vmcs_field_info *f = &vmcs_fields[i];
        uint64_t v;
        if ((f->kind == GUEST || f->kind == EXIT) && vmread_ok(f->encoding, &v) && v)
            log_dump("  %-30s 0x%llx", f->name, (unsigned long long)v);
    }
}

static inline __attribute__((always_inline)) void skip_instruction(uint64_t len)
{
    uint64_t old = vmread(VMCS_GUEST_RIP), rip = old + len;
    uint32_t low;
    /* EIP wraps outside 64-bit mode; only a carry out of bit 31 can wrap it */
    if (__builtin_expect(__builtin_add_overflow((uint32_t)old, (uint32_t)len, &low), 0))
        rip &= guest_word_mask();
    vmwrite(VMCS_GUEST_RIP, rip);
    /* Past the instruction, blocking by STI or MOV SS has ended. */
    uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO);
    if (intr & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS))
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO,
                intr & ~(uint64_t)(BLOCKING_BY_STI | BLOCKING_BY_MOV_SS));
}

void guest_skip_instruction(uint64_t len)
{
    skip_instruction(len);
}

/* Every BUDGET_CHECK_EXITS exits (exit.h), the time budget is checked
 * against the TSC. */

/* The handler for the reason, then RIP past the instruction if it says so. */
static inline __attribute__((always_inline)) enum exit_action handle(struct vcpu *v, uint64_t basic)
{
    v->exits[basic]++;
    enum exit_action act = exit_handlers[basic](v);
    if (act == EXIT_NEXT_INSTRUCTION)
        skip_instruction(vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
    return act;     /* vmx/entry.asm runs the pre-entry step if a request waits */
}

/* (The reason is read again here, so that the common path keeps it in
 * no register across the count.) */
static __attribute__((noinline)) enum exit_action budget_check(struct vcpu *v)
{
    v->exits_to_check = BUDGET_CHECK_EXITS;
    uint64_t now = rdtsc();
    console_input_poll_later(v, now);   /* for the same reason as the budget */
    if (budget_spent(v, now))
        return EXIT_STOP;
    return handle(v, EXIT_REASON_BASIC(vmread(VMCS_VM_EXIT_REASON)));
}

static inline __attribute__((always_inline)) enum exit_action dispatch(struct vcpu *v, uint64_t basic)
{
    if (__builtin_expect(--v->exits_to_check == 0, 0))
        return budget_check(v);
    return handle(v, basic);
}

/* A failed VM entry, a reason the SDM does not define, or a defined one
 * with bits set above the basic reason (SDM "Basic VM-Exit Information"):
 * out of the common path, which is one compare. */
static __attribute__((noinline)) enum exit_action unusual_exit(struct vcpu *v, uint32_t reason)
{
    if (reason & EXIT_REASON_ENTRY_FAILURE) {
        vmx_entry_failed(v, VMX_SUCCEED);
        return EXIT_STOP;
    }
    uint32_t basic = EXIT_REASON_BASIC(reason);
    if (basic >= EXIT_REASON_COUNT) {
        guest_stop(v->guest, "exit reason %u, which the SDM does not define", basic);
        vmcs_dump("unknown exit reason");
        return EXIT_STOP;
    }
    return dispatch(v, basic);
}


/* The stub's VMREAD of the exit reason failed. */
void vmx_exit_reason_failed(void)
{
    vmcs_fail("VMREAD", VMCS_VM_EXIT_REASON);
}

/* A VMREAD or VMWRITE of one of vmx/entry.asm's fast paths (CPUID,
 * VMCALL, RDMSR, I/O: ADVANCE_RIP) failed. */
void vmx_fast_path_failed(uint32_t field)
{
    vmcs_fail("VMREAD or VMWRITE (an entry.asm fast path)", field);
}

/* A light exit (vmx/entry.asm has read its reason, and checked it is one) */
enum exit_action vmx_handle_light(struct vcpu *v, uint64_t reason)
{
    return dispatch(v, reason);
}

enum exit_action vmx_handle_exit(struct vcpu *v, uint64_t reason)
{
    if (__builtin_expect(reason >= EXIT_REASON_COUNT, 0))
        return unusual_exit(v, (uint32_t)reason);
    return dispatch(v, reason);
}

void vmcs_read_image(struct vmcs_image *img)
{
    for (unsigned k = 0; k < vmcs_field_count && k < VMCS_IMAGE_FIELDS; k++) {
        img->set[k] = vmread_ok(vmcs_fields[k].encoding, &img->val[k]);
        if (!img->set[k])
            img->val[k] = 0;
    }
}

/* What the software checks say of the VMCS as it is now. */
static void explain_failed_entry(void)
{
    /* The CPU's own scratch image: CPUs may fail at once. */
    struct vmcs_image *i = this_cpu()->vmcs_image;
    vmcs_read_image(i);
    struct entry_check_failure f;
    if (vmentry_check(i, &vmx_cpu_caps[this_cpu_id()], &f))
        log_dump("software VM-entry checks: none fails (a check Keel does not make yet)");
    else
        log_dump("software VM-entry checks: %s (SDM \"%s\"): %s", f.check, f.section, f.detail);
}

void vmx_entry_failed(struct vcpu *v, enum vmx_result fail)
{
    if (fail != VMX_SUCCEED) {
        bool valid = fail == VMX_FAIL_VALID;
        uint64_t err = valid ? vmread(VMCS_VM_INSTRUCTION_ERROR) : 0;
        guest_stop(v->guest, "VM entry failed: %s%s%s (VM-instruction error %llu)",
                   valid ? "VMfailValid" : "VMfailInvalid", valid ? ": " : "",
                   valid ? instruction_error_name(err) : "", (unsigned long long)err);
    } else {
        uint32_t reason = EXIT_REASON_BASIC((uint32_t)vmread(VMCS_VM_EXIT_REASON));
        uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
        bool state = reason == EXIT_REASON_INVALID_GUEST_STATE;
        guest_stop(v->guest, "VM-entry failure: %s (exit reason %u, qualification %llu%s)",
                   state ? "invalid guest state" :
                   reason == EXIT_REASON_MSR_LOADING ? "MSR loading" :
                   reason == EXIT_REASON_MACHINE_CHECK ? "machine-check event" :
                   exit_reason_name(reason), reason, (unsigned long long)qual,
                   state && qual == ENTRY_FAILURE_QUAL_LINK_POINTER ? ": invalid VMCS link pointer" :
                   state && qual == ENTRY_FAILURE_QUAL_PDPTE ? ": PDPTE loading" : "");
    }
    explain_failed_entry();
    vmcs_dump("failed VM entry");
}

enum exit_action exit_unexpected(struct vcpu *v)
{
    uint32_t reason = EXIT_REASON_BASIC((uint32_t)vmread(VMCS_VM_EXIT_REASON));
    guest_stop(v->guest, "unexpected VM exit %s (%u) at RIP 0x%llx, qualification 0x%llx",
               exit_reason_name(reason), reason, (unsigned long long)vmread(VMCS_GUEST_RIP),
               (unsigned long long)vmread(VMCS_EXIT_QUALIFICATION));
    vmcs_dump("unexpected exit");
    return EXIT_STOP;
}

enum exit_action exit_inject_ud(struct vcpu *v)
{
    (void)v;
    inject_exception(VECTOR_UD, false, 0);
    return EXIT_RESUME;
}

enum exit_action exit_inject_gp(struct vcpu *v)
{
    (void)v;
    inject_exception(VECTOR_GP, true, 0);
    return EXIT_RESUME;
}
