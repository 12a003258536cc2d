/* The constants Keel's assembly uses, taken from the C definitions (as
 * bhyve's genassym does): compiled to assembly text only, never linked;
 * the Makefile turns each "->NAME value" line into "NAME equ value" in
 * $(BUILD)/gen/asm_consts.inc, which boot/, vmx/ and guests/ include. */
#include <stddef.h>

#include "arch/x86/msr.h"
#include "arch/x86/x86.h"
#include "kernel/percpu.h"
#include "vmx/exit.h"
#include "vmx/guest.h"
#include "vmx/hypercall.h"
#include "vmx/spec_ctrl.h"
#include "vmx/trace.h"
#include "vmx/vmcs_fields.h"

#define CONST(name, value) asm volatile("\n.ascii \"->" #name " %0\"" : : "i"((long)(value)))
#define REG(name, r) CONST(GR_##name, offsetof(struct vcpu, regs.r))

void asm_consts(void);
void asm_consts(void)
{
    /* vmx/entry.asm: the vCPU's registers, its launched flag, the VMCS
     * field it writes, what a handler's result means. */
    REG(RAX, rax); REG(RCX, rcx); REG(RDX, rdx); REG(RBX, rbx); REG(RBP, rbp);
    REG(RSI, rsi); REG(RDI, rdi); REG(R8, r8); REG(R9, r9); REG(R10, r10);
    REG(R11, r11); REG(R12, r12); REG(R13, r13); REG(R14, r14); REG(R15, r15);
    CONST(VCPU_LAUNCHED, offsetof(struct vcpu, launched));
    CONST(VCPU_REQUESTS, offsetof(struct vcpu, requests));
    CONST(VCPU_REQ_TIMER, VCPU_REQ_TIMER);
    CONST(VMCS_HOST_RSP, VMCS_HOST_RSP);
    CONST(VMCS_VM_EXIT_REASON, VMCS_VM_EXIT_REASON);
    /* vmx/entry.asm, the fast paths (CPUID, VMCALL, RDMSR, I/O): the
     * exit's count and budget, what each reads, the fields that advance
     * RIP */
    CONST(EXIT_LIGHT_REASONS, EXIT_LIGHT_REASONS);
    CONST(EXIT_REASON_CPUID, EXIT_REASON_CPUID);
    CONST(EXIT_REASON_VMCALL, EXIT_REASON_VMCALL);
    CONST(VCPU_EXITS_CPUID, offsetof(struct vcpu, exits[EXIT_REASON_CPUID]));
    CONST(VCPU_EXITS_VMCALL, offsetof(struct vcpu, exits[EXIT_REASON_VMCALL]));
    CONST(EXIT_REASON_MSR_READ, EXIT_REASON_MSR_READ);
    CONST(VCPU_EXITS_MSR_READ, offsetof(struct vcpu, exits[EXIT_REASON_MSR_READ]));
    CONST(VCPU_RDMSR_KEPT_KEY, offsetof(struct vcpu, rdmsr_kept.key));
    CONST(VCPU_RDMSR_KEPT_VALUE, offsetof(struct vcpu, rdmsr_kept.value));
    CONST(EXIT_REASON_IO_INSTRUCTION, EXIT_REASON_IO_INSTRUCTION);
    CONST(VCPU_EXITS_IO, offsetof(struct vcpu, exits[EXIT_REASON_IO_INSTRUCTION]));
    CONST(VCPU_GUEST, offsetof(struct vcpu, guest));
    CONST(GUEST_PIO_INDEX, offsetof(struct guest, pio_index));
    CONST(GUEST_PIO_IO, offsetof(struct guest, pio[0].io));
    CONST(PIO_RANGE_SHIFT, __builtin_ctz(sizeof(struct pio_range)));
    _Static_assert((sizeof(struct pio_range) & (sizeof(struct pio_range) - 1)) == 0,
                   "entry.asm indexes pio[] by a shift");
    CONST(IO_Q_IN, IO_Q_IN);
    CONST(IO_Q_STRING, IO_Q_STRING);
    CONST(VMCS_EXIT_QUALIFICATION, VMCS_EXIT_QUALIFICATION);
    CONST(VMCS_GUEST_SS_AR_BYTES, VMCS_GUEST_SS_AR_BYTES);
    CONST(VMX_AR_DPL_MASK, 3u << 5);
    CONST(HC_OK, HC_OK);
    CONST(VCPU_EXITS_TO_CHECK, offsetof(struct vcpu, exits_to_check));
    CONST(VMCS_VM_EXIT_INSTRUCTION_LEN, VMCS_VM_EXIT_INSTRUCTION_LEN);
    CONST(VMCS_GUEST_RIP, VMCS_GUEST_RIP);
    CONST(VMCS_GUEST_INTERRUPTIBILITY_INFO, VMCS_GUEST_INTERRUPTIBILITY_INFO);
    CONST(VMCS_GUEST_CS_AR_BYTES, VMCS_GUEST_CS_AR_BYTES);
    CONST(VMX_AR_L, VMX_AR_L);
    CONST(BLOCKING_BY_STI_OR_MOV_SS, BLOCKING_BY_STI | BLOCKING_BY_MOV_SS);
    CONST(EXIT_STOP, EXIT_STOP);
    CONST(VMX_FAIL_INVALID, VMX_FAIL_INVALID);
    CONST(VMX_FAIL_VALID, VMX_FAIL_VALID);
    /* vmx/entry.asm, the mitigated loop: what spec_init decided */
    CONST(SPEC_L1D_FLUSH, offsetof(struct spec_mitigations, l1d_flush_on_entry));
    CONST(SPEC_VERW, offsetof(struct spec_mitigations, verw_on_entry));
    CONST(SPEC_RSB_FILL, offsetof(struct spec_mitigations, rsb_fill_on_exit));
    CONST(MSR_IA32_FLUSH_CMD, MSR_IA32_FLUSH_CMD);
    /* vmx/trace_entry.asm: the ring, its entry, the vCPU's part */
    CONST(PERCPU_TRACE_RING, offsetof(struct percpu, trace_ring));
    CONST(PERCPU_TRACE_HEAD, offsetof(struct percpu, trace_head));
    CONST(PERCPU_TRACE_NEXT, offsetof(struct percpu, trace_next));
    CONST(TRACE_ENTRIES, TRACE_ENTRIES);
    CONST(TRACE_ENTRY_SHIFT, TRACE_ENTRY_SHIFT);
    CONST(TRACE_BAD_READ, TRACE_BAD_READ);
    CONST(TE_REASON, offsetof(struct trace_entry, reason));
    CONST(TE_WHO, offsetof(struct trace_entry, guest));
    CONST(TE_QUAL, offsetof(struct trace_entry, qual));
    CONST(TE_RIP, offsetof(struct trace_entry, rip));
    CONST(TE_TSC, offsetof(struct trace_entry, tsc));
    CONST(VCPU_TRACE_WHO, offsetof(struct vcpu, trace.who));
    CONST(VCPU_TRACE_NEXT, offsetof(struct vcpu, trace.next));
    /* boot/: control-register and EFER bits */
    CONST(CR0_PE, X86_CR0_PE);
    CONST(CR0_WP, X86_CR0_WP);
    CONST(CR0_NW, X86_CR0_NW);
    CONST(CR0_CD, X86_CR0_CD);
    CONST(CR0_PG, X86_CR0_PG);
    CONST(CR4_PAE, X86_CR4_PAE);
    CONST(EFER_MSR, MSR_IA32_EFER);
    CONST(EFER_LME, X86_EFER_LME);
    CONST(EFER_NXE, X86_EFER_NXE);
    /* guests/: the hypercall ABI */
    CONST(HC_NOP, HC_NOP);
    CONST(HC_CONSOLE_WRITE, HC_CONSOLE_WRITE);
    CONST(HC_TEST_RESULT, HC_TEST_RESULT);
    CONST(HC_EXIT, HC_EXIT);
}
_Static_assert(VMX_SUCCEED == 0, "vmx/entry.asm returns VMX_SUCCEED as xor eax, eax");
