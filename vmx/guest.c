/* A guest's life: its memory, EPT, device table and vCPUs; how it ends
 * (KVM: kvm_create_vm, the VM's memory slots; kvm_make_all_cpus_request
 * for the stop). The vCPU's own life is vmx/vcpu.c. */
#include "arch/x86/lapic.h"
#include "kernel/lib/string.h"
#include "kernel/loader/acpi_build.h"
#include "kernel/loader/bzimage.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "vmx/dev/devices.h"
#include "vmx/exit.h"
#include "vmx/vapic.h"
#include "vmx/vmx.h"

#define PTE_P_W 0x3ull
#define PTE_PS  0x80ull

void vcpu_request(struct vcpu *v, uint32_t req)
{
    __atomic_fetch_or(&v->requests, req, __ATOMIC_SEQ_CST);
    /* The kick: an interrupt makes its CPU leave the guest (external-
     * interrupt exiting) or wake from its wait; the pre-entry step there
     * sees the request. Interrupts stay pending while that CPU is in
     * Keel with them off, so none is lost between its check and entry.
     * Only a CPU that has taken this vCPU up is kicked: one still running
     * an earlier guest is not disturbed, and the vCPU finds the request
     * before its first entry (vcpu_run sets percpu.vcpu before that). */
    struct percpu *cpu = cpus[v->cpu];
    if (v->cpu != this_cpu_id() && __atomic_load_n(&cpu->vcpu, __ATOMIC_SEQ_CST) == v)
        lapic_send_fixed(cpu->apic_id, LAPIC_KICK_VECTOR);
}

/* The first to end the guest says how (and why); every vCPU is then asked
 * to leave. Returns whether this call was the first. */
static bool guest_end(struct guest *g, enum guest_state how, const char *why, uint32_t status)
{
    spin_lock(&g->lock);
    bool first = g->state == GUEST_RUNNING || g->state == GUEST_CREATED;
    if (first) {
        g->state = how;
        g->exit_status = status;
        if (why)
            memcpy(g->why, why, sizeof(g->why));
    }
    spin_unlock(&g->lock);
    if (first)
        for (unsigned i = 0; i < g->vcpu_count; i++)
            vcpu_request(&g->vcpus[i], VCPU_REQ_STOP);
    return first;
}

void guest_stop(struct guest *g, const char *fmt, ...)
{
    char why[sizeof(g->why)];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    guest_console_flush(g);
    if (guest_end(g, GUEST_STOPPED, why, 0))
        log_err("guest %s stopped: %s", g->cfg.name, why);
    else
        log_debug("guest %s, already ended: also %s", g->cfg.name, why);
}

void guest_exit(struct guest *g, uint32_t status, const char *via)
{
    guest_console_flush(g);
    if (guest_end(g, GUEST_EXITED, NULL, status))
        log_info("guest %s: %sexited with status %u", g->cfg.name, via, status);
}

void *guest_ram(struct guest *g, uint64_t gpa, uint64_t len)
{
    if (gpa >= g->cfg.mem || len > g->cfg.mem - gpa)
        return NULL;
    return (void *)(uintptr_t)(g->ram + gpa);
}

/* A port already claimed keeps its range: the first added answers. */
void guest_add_pio(struct guest *g, uint16_t first, uint16_t last, pio_fn io)
{
    if (g->pio_count > GUEST_PIO_MAX)
        panic("guest %s: more than %d port ranges", g->cfg.name, GUEST_PIO_MAX);
    unsigned k = g->pio_count++;
    g->pio[k] = (struct pio_range){ first, (uint16_t)(last - first), io };
    for (unsigned port = first; port <= last; port++)
        if (!g->pio_index[port])
            g->pio_index[port] = (uint8_t)k;
}

void guest_add_mmio(struct guest *g, uint64_t base, uint64_t size, mmio_fn access)
{
    if (g->mmio_count == GUEST_MMIO_MAX)
        panic("guest %s: more than %d MMIO ranges", g->cfg.name, GUEST_MMIO_MAX);
    g->mmio[g->mmio_count++] = (struct mmio_range){ base, size, access };
}

/* VPIDs, one per vCPU, given out at creation (on the BSP, before any
 * guest runs); 0 is VMX root's own. */
static uint16_t vpid_next = 1;

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
static uint64_t build_guest_page_tables(struct guest *g)
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
    return base;
}

/* Keel's flat images: the module options say where and in which mode;
 * vCPU 0 starts at the entry, the others wait for SIPI as APs do. */
static void flat_image_start(struct guest *g, const void *image, struct vcpu_start *s)
{
    const struct guest_config *c = &g->cfg;
    memcpy(guest_ram(g, c->load, c->image_size), image, c->image_size);
    *s = (struct vcpu_start){
        .mode = (enum guest_mode)c->mode, .rip = c->entry,
        .rsp = c->load,             /* the stack grows down below the image */
        .activity = VCPU_ACTIVE,
    };
    if (c->mode == GUEST_LONG64)
        s->cr3 = build_guest_page_tables(g);
}

/* A vCPU's power-up state: vCPU 0 where the image says, the others
 * waiting for SIPI as APs do. What it owns for good (VMCS, VPID, APIC
 * page, its CPU) and its exit counts stay. */
static void vcpu_reset(struct guest *g, unsigned i, const struct vcpu_start *bsp)
{
    struct vcpu *v = &g->vcpus[i];
    struct vcpu keep = *v;
    memset(v, 0, sizeof(*v));
    v->guest = g;
    v->index = i;
    v->cpu = keep.cpu;
    v->vpid = keep.vpid;
    v->vmcs = keep.vmcs;
    v->apic.page = keep.apic.page;
    memcpy(v->exits, keep.exits, sizeof(v->exits));
    v->trace.want = keep.trace.want;    /* the monitor's trace outlives a restart (vcpu_run) */
    v->pat = X86_PAT_POWER_ON;
    if (i == 0)
        v->start = *bsp;
    else
        v->start = (struct vcpu_start){ .mode = GUEST_REAL16, .activity = VCPU_WAIT_FOR_SIPI };
    v->activity = v->start.activity;
    v->apicv = vmx_has_apicv();
    vapic_reset(v);
}

static void vcpu_create(struct guest *g, unsigned i, const struct vcpu_start *bsp)
{
    struct vcpu *v = &g->vcpus[i];
    v->vpid = vpid_next++;
    v->vmcs = mm_alloc_frames(1, FRAME_SIZE);
    v->apicv = vmx_has_apicv();
    vapic_create(v);
    vcpu_reset(g, i, bsp);
}

/* A Linux kernel: its ACPI tables (MADT with its vCPUs and I/O APIC,
 * FADT, DSDT) in the BIOS area, then the bzImage with its initrd (the
 * guest's for= modules, concatenated) and boot_params. */
static bool load_linux(struct guest *g, struct vcpu_start *bsp, report_fn report, void *ctx)
{
    struct acpi_build_layout acpi;
    const struct acpi_build_config acpi_cfg = {
        .cpus = g->vcpu_count ? g->vcpu_count : g->cfg.vcpus,
        .cmos_rtc = true, .hpet = true,     /* the devices devices_acpi_platform gives it */
    };
    uint64_t acpi_size = acpi_build_tables(
        guest_ram(g, ACPI_BUILD_BASE, ACPI_BUILD_AREA_END - ACPI_BUILD_BASE),
        ACPI_BUILD_AREA_END - ACPI_BUILD_BASE, ACPI_BUILD_BASE, &acpi_cfg, &acpi, report, ctx);
    if (!acpi_size)
        return false;
    const struct bzimage_boot boot = {
        .mem = g->cfg.mem, .cmdline = g->cfg.cmdline,
        .initrds = g->modules, .initrd_count = g->module_count,
        .acpi_base = ACPI_BUILD_BASE, .acpi_size = acpi_size, .rsdp_gpa = acpi.rsdp,
    };
    struct bzimage_summary sum;
    if (bzimage_load(g->image, g->image_size, guest_ram(g, 0, g->cfg.mem), &boot, bsp, &sum,
                     report, ctx))
        return false;
    char what[200];
    log_info("guest %s: %s", g->cfg.name, bzimage_describe(&sum, what, sizeof(what)));
    return true;
}

/* The image into RAM, and where vCPU 0 starts. */
static bool load_image(struct guest *g, struct vcpu_start *bsp, report_fn report, void *ctx)
{
    if (g->image_kind == GUEST_IMAGE_FLAT) {
        flat_image_start(g, g->image, bsp);
        return true;
    }
    if (g->image_kind == GUEST_IMAGE_LINUX)
        return load_linux(g, bsp, report, ctx);
    const struct loader_boot boot = {
        .mem = g->cfg.mem, .cmdline = g->cfg.cmdline,
        .modules = g->modules, .module_count = g->module_count,
        .loader_name = "Keel " KEEL_VERSION,
    };
    struct loader_summary sum;
    if (loader_load(g->image, g->image_size, guest_ram(g, 0, g->cfg.mem), &boot, bsp, &sum,
                    report, ctx))
        return false;
    char what[160];
    log_info("guest %s: %s", g->cfg.name, loader_describe(&sum, what, sizeof(what)));
    return true;
}

static void say_stop(void *ctx, const char *msg)
{
    guest_stop(ctx, "%s", msg);
}

bool guest_restart(struct guest *g)
{
    struct vcpu_start bsp;
    memset(guest_ram(g, 0, g->cfg.mem), 0, g->cfg.mem);
    g->state = GUEST_CREATED;       /* so that a refusal below is kept as why */
    if (!load_image(g, &bsp, say_stop, g))
        return false;
    devices_reset(g);
    g->exit_status = 0;
    g->why[0] = '\0';
    g->line_len = 0;
    g->tests_passed = g->tests_failed = 0;
    g->vcpus_stuck = 0;
    g->vcpus_out = 0;
    for (unsigned i = 0; i < g->vcpu_count; i++)
        vcpu_reset(g, i, &bsp);
    g->state = GUEST_RUNNING;
    return true;
}

bool guest_create(struct guest *g, report_fn report, void *ctx)
{
    const struct guest_config *c = &g->cfg;
    uint64_t frames = (c->mem + FRAME_SIZE - 1) / FRAME_SIZE;
    g->ram = mm_try_alloc_frames(frames, EPT_PAGE_2M);
    if (!g->ram) {
        reportf(report, ctx, "no %llu MiB of contiguous RAM left for it",
                (unsigned long long)(c->mem >> 20));
        return false;
    }
    struct vcpu_start bsp;
    if (!load_image(g, &bsp, report, ctx)) {
        mm_free_frames(g->ram, frames);
        g->ram = 0;
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
    /* APIC virtualization: the xAPIC page's guest-physical address maps
     * to a page of the guest's own (SDM "APIC-Access Page"); the CPU turns
     * accesses there into the virtual-APIC page's or into exits. */
    if (vmx_has_apicv()) {
        g->apic_access = mm_alloc_frames(1, FRAME_SIZE);
        /* Read and write only: no code runs from an APIC page (Bochs
         * 2.7 even panics on a fetch there); a fetch is an EPT violation
         * that stops the guest. */
        if (ept_map(&g->ept, VAPIC_MMIO_BASE, g->apic_access, FRAME_SIZE, EPT_READ | EPT_WRITE)) {
            guest_stop(g, "its APIC-access page could not be mapped");
            return false;
        }
    }
    g->pio[0] = (struct pio_range){ 0, 0xffff, pio_no_device };
    g->pio_count = 1;
    g->pio_index = (uint8_t *)(uintptr_t)mm_alloc_frames(GUEST_PIO_PORTS / FRAME_SIZE, FRAME_SIZE);
                                    /* (zeroed: every port "no device") */
    devices_create(g);
    g->vcpu_count = c->vcpus;
    for (unsigned i = 0; i < g->vcpu_count; i++)
        vcpu_create(g, i, &bsp);
    if (g->image_kind == GUEST_IMAGE_FLAT)
        log_info("guest %s: %s, %llu MiB at host 0x%llx (EPT: %u x 1G, %u x 2M, %u x 4K), "
                 "image %llu bytes at 0x%llx, entry 0x%llx", c->name, guest_mode_name(c->mode),
                 (unsigned long long)(c->mem >> 20), (unsigned long long)g->ram,
                 g->ept.pages[2], g->ept.pages[1], g->ept.pages[0],
                 (unsigned long long)c->image_size, (unsigned long long)c->load,
                 (unsigned long long)c->entry);
    else
        log_info("guest %s: %llu MiB at host 0x%llx (EPT: %u x 1G, %u x 2M, %u x 4K), "
                 "%u module%s, command line '%s'", c->name, (unsigned long long)(c->mem >> 20),
                 (unsigned long long)g->ram, g->ept.pages[2], g->ept.pages[1], g->ept.pages[0],
                 g->module_count, g->module_count == 1 ? "" : "s", c->cmdline);
    return true;
}
