/* Where a vCPU starts: what an image loader fills in (the flat loader from
 * the module options; INIT-SIPI for application processors), what
 * vmcs_image_build turns into guest state. Pure data. */
#ifndef KEEL_VMX_VCPU_START_H
#define KEEL_VMX_VCPU_START_H

#include <stdint.h>

#include "kernel/guest_config.h"

/* Guest general registers that the VMCS does not hold, in the order
 * vmx/entry.asm saves them (GR_*, generated from struct vcpu). */
struct guest_regs {
    uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Active, halted by HLT, or an AP waiting for its SIPI (SDM "Activity
 * State"; the last is Keel's own wait, outside the guest). */
enum vcpu_activity { VCPU_ACTIVE, VCPU_HALTED, VCPU_WAIT_FOR_SIPI };

struct vcpu_start {
    enum guest_mode mode;
    uint64_t rip, rsp;
    uint64_t cr3;                   /* long64: the page tables the loader built */
    uint16_t cs_selector;           /* CS (SIPI: vector << 8) */
    uint64_t cs_base;               /* real16: CS base (SIPI: vector << 12) */
    uint16_t ds_selector;           /* DS, ES, SS, FS, GS (flat, as the mode's) */
    uint64_t gdtr_base;             /* a GDT the loader built in guest RAM ... */
    uint16_t gdtr_limit;            /* ... (0: none, GDTR 0 with limit 0xffff) */
    struct guest_regs regs;         /* EAX, EBX, ESI, ... at the first instruction */
    enum vcpu_activity activity;
};

#endif
