/* Guest memory and the vCPU run loop (KVM: vmx_vcpu_run, with the loop
 * that KVM_RUN drives, minus the userspace round trip). */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/tsc.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "vmx/devices.h"
#include "vmx/entry_check.h"
#include "vmx/vmcs_image.h"
#include "vmx/exit.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"


#define PTE_P_W 0x3ull
#define PTE_PS  0x80ull

void guest_stop(struct guest *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(g->why, sizeof(g->why), fmt, ap);
    va_end(ap);
    guest_console_flush(g);
    g->state = GUEST_STOPPED;
    log_err("guest %s stopped: %s", g->cfg.name, g->why);
}

void *guest_ram(struct guest *g, uint64_t gpa, uint64_t len)
{
    if (gpa >= g->cfg.mem || len > g->cfg.mem - gpa)
        return NULL;
    return (void *)(uintptr_t)(g->ram + gpa);
}

static uint64_t ept_alloc(void *ctx)
{
    (void)ctx;
    return mm_alloc_frames(1, FRAME_SIZE);
}

static uint64_t *ept_table(void *ctx, uint64_t phys)
{
    (void)ctx;
    return (uint64_t *)(uintptr_t)phys;         /* identity-mapped */
}

/* long64 guests start with paging on: identity-map their RAM with 2 MiB
 * pages, in the top pages of that RAM (guest_config.h). */
static void build_guest_page_tables(struct guest *g)
{
    uint64_t mem = g->cfg.mem, base = mem - GUEST_PT_PAGES(mem) * 4096;
    uint64_t *pml4 = guest_ram(g, base, 4096), *pdpt = guest_ram(g, base + 4096, 4096);
    pml4[0] = (base + 4096) | PTE_P_W;
    for (uint64_t gib = 0; gib * (1ull << 30) < mem; gib++) {
        uint64_t pd_gpa = base + (2 + gib) * 4096;
        uint64_t *pd = guest_ram(g, pd_gpa, 4096);
        pdpt[gib] = pd_gpa | PTE_P_W;
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t gpa = gib * (1ull << 30) + i * (1ull << 21);
            if (gpa < mem)
                pd[i] = gpa | PTE_P_W | PTE_PS;
        }
    }
}

bool guest_create(struct guest *g, const void *image)
{
    const struct guest_config *c = &g->cfg;
    uint64_t frames = (c->mem + FRAME_SIZE - 1) / FRAME_SIZE;
    g->ram = mm_try_alloc_frames(frames, EPT_PAGE_2M);
    if (!g->ram) {
        guest_stop(g, "no %llu MiB of contiguous RAM left for it", (unsigned long long)(c->mem >> 20));
        return false;
    }
    g->ept = (struct ept){
        .alloc_page = ept_alloc, .table = ept_table,
        .use_2m = vmcs_config.ept_vpid & VMX_EPT_VPID(PAGE_2M),
        .use_1g = vmcs_config.ept_vpid & VMX_EPT_VPID(PAGE_1G),
    };
    if (!ept_init(&g->ept) || ept_map(&g->ept, 0, g->ram, frames * FRAME_SIZE, EPT_RWX)) {
        guest_stop(g, "its EPT tables could not be built");
        return false;
    }
    memcpy(guest_ram(g, c->load, c->image_size), image, c->image_size);
    if (c->mode == GUEST_LONG64)
        build_guest_page_tables(g);
    g->vcpu.guest = g;
    g->vcpu.vpid = (uint16_t)(g->index + 1);    /* 0 is VMX root's own */
    g->vcpu.vmcs = mm_alloc_frames(1, FRAME_SIZE);
    g->vcpu.pat = X86_PAT_POWER_ON;
    log_info("guest %s: %s, %llu MiB at host 0x%llx (EPT: %u x 1G, %u x 2M, %u x 4K), "
             "image %llu bytes at 0x%llx, entry 0x%llx", c->name, guest_mode_name(c->mode),
             (unsigned long long)(c->mem >> 20), (unsigned long long)g->ram, g->ept.pages[2],
             g->ept.pages[1], g->ept.pages[0], (unsigned long long)c->image_size,
             (unsigned long long)c->load, (unsigned long long)c->entry);
    return true;
}

/* What VM exits leave with the CPU and the next guest on it must not see:
 * extended state (x87, SSE, AVX, ..., PKRU) and XCR0, CR2, and the MSRs
 * guests use directly (vmcs_setup.c). Reset them all. */
#define MXCSR_DEFAULT 0x1f80
#define FXSAVE_MXCSR_OFFSET 24

static void scrub_cpu_state(const struct guest *g)
{
    /* CR0.CD and NW are Keel's (the guest/host mask): should a guest ever
     * reach them, VM exits would leave them set, caches off for Keel. */
    if (read_cr0() & (X86_CR0_CD | X86_CR0_NW)) {
        log_err("guest %s left CR0.CD/NW set in Keel: cleared", g->cfg.name);
        write_cr0(read_cr0() & ~(X86_CR0_CD | X86_CR0_NW));
    }
    for (unsigned i = 0; i < GUEST_UNSWITCHED_MSRS; i++)
        wrmsr(guest_unswitched_msrs[i], 0);
    write_cr2(0);
    /* An all-zero area (but for MXCSR) restores every component to its
     * initial state: XRSTOR with XSTATE_BV = 0, or FXRSTOR. */
    static uint8_t *area;
    if (!area) {
        area = (uint8_t *)(uintptr_t)mm_alloc_frames(4, FRAME_SIZE);
        *(uint32_t *)(area + FXSAVE_MXCSR_OFFSET) = MXCSR_DEFAULT;
    }
    if (cpuid(1, 0).ecx & X86_FEATURE_XSAVE_ECX) {
        struct cpuid_regs r = cpuid(0xd, 0);
        uint64_t all = ((uint64_t)r.edx << 32 | r.eax) & GUEST_XCR0_ALLOWED;
        asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)all), "d"((uint32_t)(all >> 32)));
        asm volatile("xrstor %0" : : "m"(*area), "a"((uint32_t)all), "d"((uint32_t)(all >> 32))
                     : "memory");
        asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)X86_XCR0_X87), "d"(0));
    } else {
        asm volatile("fninit; fxrstor %0" : : "m"(*area) : "memory");
    }
}

static bool load_vmcs(struct vcpu *v)
{
    const struct vmx_msrs *m = &vmx_cpu_caps[this_cpu_id()];
    *(volatile uint32_t *)(uintptr_t)v->vmcs = VMX_BASIC_REVISION(m->msr[VMXCAP_BASIC]);
    enum vmx_result r = vmclear(v->vmcs);
    if (r == VMX_SUCCEED)
        r = vmptrld(v->vmcs);
    if (r != VMX_SUCCEED) {
        guest_stop(v->guest, "VMCLEAR/VMPTRLD of its VMCS at 0x%llx failed: %s",
                   (unsigned long long)v->vmcs, vmx_result_name(r));
        return false;
    }
    return true;
}

void vcpu_run(struct vcpu *v)
{
    struct guest *g = v->guest;
    g->cpu = this_cpu_id();
    if (g->state != GUEST_CREATED || !load_vmcs(v))
        return;
    g->state = GUEST_RUNNING;
    bool timer = vmx_has_preemption_timer();
    v->deadline = timer ? tsc_deadline(g->cfg.time_s * 1000000) : 0;
    if (!timer)
        log_warn("guest %s: no VMX-preemption timer on this CPU: no time budget", g->cfg.name);
    struct vmcs_image img;
    vmcs_build(v, &img);
    struct entry_check_failure f;
    if (g->cfg.check && !vmentry_check(&img, &vmx_cpu_caps[this_cpu_id()], &f)) {
        guest_stop(g, "refused before VM entry: %s (SDM \"%s\"): %s", f.check, f.section,
                   f.detail);
        vmclear(v->vmcs);
        return;
    }
    vmcs_load(&img);
    log_info("guest %s: starting on cpu%u (VPID %u)", g->cfg.name, g->cpu, v->vpid);
    int fail = vmx_run(v);          /* until a handler says stop */
    if (fail)
        vmx_entry_failed(v, fail);
    guest_console_flush(g);
    vmclear(v->vmcs);
    scrub_cpu_state(g);
}
