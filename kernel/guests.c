/* The guests GRUB loaded as modules: placed on CPUs, created, run, summed
 * up. Static partitioning: each vCPU is pinned to one physical CPU for as
 * long as its guest runs. A guest with a CPU list (cpus=1,3) owns those
 * CPUs; the others are placed round robin on the CPUs no list names (APs
 * first, then the BSP), and guests sharing a CPU run on it one after
 * another, in module order: since every CPU takes its guests in that
 * order, the vCPUs of one guest always end up running together. */
#include "kernel/guests.h"
#include "kernel/lib/string.h"
#include "arch/x86/tsc.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "vmx/exit.h"
#include "vmx/guest.h"

static struct guest guests[GUESTS_MAX];
static unsigned guest_count;

struct placement {
    uint32_t order[CPUS_MAX];       /* CPUs in VMX, in the order guests get them */
    unsigned count, next;
    const struct guest_config *owner[CPUS_MAX];  /* by cpu_id: the guest whose list names it */
};
static struct placement placement;

static void module_report(void *ctx, const char *msg)
{
    log_err("module %u: %s", *(unsigned *)ctx, msg);
}

static void placement_init(struct placement *p)
{
    struct percpu *self = this_cpu();
    for (unsigned c = 0; c < cpu_count; c++)
        if (cpus[c]->vmx_on && cpus[c] != self)
            p->order[p->count++] = c;
    if (self->vmx_on)
        p->order[p->count++] = self->cpu_id;
}

/* A module on its way to being a guest: its configuration, then its CPUs. */
struct candidate {
    struct guest_config cfg;
    unsigned module;
    bool ok;
    uint32_t cpu[GUEST_VCPUS_MAX];
};

static struct candidate candidates[GUESTS_MAX];     /* at boot, on the BSP */

/* Pin each vCPU of `c` to a CPU, or say why not. Guests with a list are
 * placed before any without, so that a list always gets its CPUs. */
static bool place(struct placement *p, struct candidate *k)
{
    const struct guest_config *c = &k->cfg;
    unsigned module = k->module;
    if (c->cpu_list_len) {
        for (unsigned i = 0; i < c->cpu_list_len; i++) {
            unsigned cpu = c->cpu_list[i];
            if (cpu >= cpu_count || !cpus[cpu]->vmx_on) {
                log_err("module %u ('%s'): asks for cpu%u, which %s: not started", module,
                        c->name, cpu, cpu >= cpu_count ? "does not exist" : "is not in VMX");
                return false;
            }
            if (p->owner[cpu]) {
                log_err("module %u ('%s'): asks for cpu%u, which is guest %s's: not started",
                        module, c->name, cpu, p->owner[cpu]->name);
                return false;
            }
        }
        for (unsigned i = 0; i < c->cpu_list_len; i++) {
            p->owner[c->cpu_list[i]] = c;
            k->cpu[i] = c->cpu_list[i];
        }
        return true;
    }
    unsigned free = 0;
    for (unsigned j = 0; j < p->count; j++)
        free += !p->owner[p->order[j]];
    if (c->vcpus > free) {
        log_err("module %u ('%s'): asks for %u CPUs; %u %s free for it: not started", module,
                c->name, c->vcpus, free, free == 1 ? "is" : "are");
        return false;
    }
    for (unsigned i = 0; i < c->vcpus; i++) {
        uint32_t cpu;
        do
            cpu = p->order[p->next++ % p->count];
        while (p->owner[cpu]);
        k->cpu[i] = cpu;
    }
    return true;
}

static void describe_cpus(const struct guest *g, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < g->vcpu_count && n < size; i++)
        n += (size_t)ksnprintf(buf + n, size - n, "%scpu%u", i ? "," : "", g->vcpus[i].cpu);
}

unsigned guests_create(const struct boot_info *bi)
{
    struct candidate *cand = candidates;
    unsigned n = 0;
    placement_init(&placement);
    for (unsigned i = 0; i < bi->module_count; i++) {
        const struct boot_module *m = &bi->modules[i];
        if (n == GUESTS_MAX) {
            log_err("module %u: more than %d guests: not started", i, GUESTS_MAX);
            continue;
        }
        struct candidate *k = &cand[n];
        memset(k, 0, sizeof(*k));
        k->module = i;
        if (guest_config_parse(m->cmdline, i, &k->cfg, module_report, &i) ||
            guest_config_finish(&k->cfg, GUEST_IMAGE_FLAT, m->end - m->start, module_report, &i)) {
            log_err("module %u ('%s'): not started", i, m->cmdline);
            continue;
        }
        if (!placement.count) {
            log_err("module %u ('%s'): no CPU is in VMX root operation: not started", i,
                    k->cfg.name);
            continue;
        }
        n++;
    }
    for (int lists = 1; lists >= 0; lists--)        /* CPU lists first */
        for (unsigned k = 0; k < n; k++)
            if (!!cand[k].cfg.cpu_list_len == lists)
                cand[k].ok = place(&placement, &cand[k]);
    for (unsigned k = 0; k < n; k++) {
        if (!cand[k].ok)
            continue;
        const struct boot_module *m = &bi->modules[cand[k].module];
        struct guest *g = &guests[guest_count];
        memset(g, 0, sizeof(*g));
        g->cfg = cand[k].cfg;
        g->index = guest_count;
        for (unsigned i = 0; i < g->cfg.vcpus; i++)
            g->vcpus[i].cpu = cand[k].cpu[i];
        if (guest_create(g, (const void *)(uintptr_t)m->start)) {
            char where[96];
            describe_cpus(g, where, sizeof(where));
            log_info("guest %s: %u vCPU%s on %s", g->cfg.name, g->vcpu_count,
                     g->vcpu_count == 1 ? "" : "s", where);
            guest_count++;
        }
    }
    if (!bi->module_count)
        log_info("guests: none (give GRUB module2 lines, docs/guests.md)");
    return guest_count;
}

/* Runs on each CPU: the vCPUs pinned to it, guest after guest. */
static void run_pinned(void *arg)
{
    (void)arg;
    uint32_t self = this_cpu_id();
    for (unsigned i = 0; i < guest_count; i++)
        for (unsigned k = 0; k < guests[i].vcpu_count; k++)
            if (guests[i].vcpus[k].cpu == self)
                vcpu_run(&guests[i].vcpus[k]);
}

void guests_run(void)
{
    if (!guest_count)
        return;
    for (unsigned i = 0; i < guest_count; i++)
        guests[i].state = GUEST_RUNNING;
    struct percpu *self = this_cpu();
    for (unsigned c = 0; c < cpu_count; c++)
        if (cpus[c]->vmx_on && cpus[c] != self)
            smp_call_start(cpus[c], run_pinned, NULL);
    if (keel_options.test == SELFTEST_GUEST_PANIC) {
        /* test=guest-panic: the other CPUs are inside their guests when
         * this one panics; its stop NMI reaches them as NMI exits. */
        udelay(100000);
        panic("test=guest-panic: a panic while other CPUs run guests");
    }
    if (self->vmx_on)
        run_pinned(NULL);
    for (unsigned c = 0; c < cpu_count; c++)
        if (cpus[c]->vmx_on && cpus[c] != self)
            smp_call_wait(cpus[c]);
}

void guests_summary(void)
{
    unsigned exited = 0;
    for (unsigned i = 0; i < guest_count; i++) {
        struct guest *g = &guests[i];
        char exits[160], where[96];
        size_t n = 0;
        uint64_t total = 0;
        exits[0] = '\0';
        for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
            uint64_t count = 0;
            for (unsigned k = 0; k < g->vcpu_count; k++)
                count += g->vcpus[k].exits[r];
            total += count;
            if (count && n < sizeof(exits) - 32)
                n += (size_t)ksnprintf(exits + n, sizeof(exits) - n, " %s %llu",
                                       exit_reason_name(r), (unsigned long long)count);
        }
        describe_cpus(g, where, sizeof(where));
        if (g->state == GUEST_EXITED) {
            exited++;
            log_info("summary: guest %s on %s: exited with status %u; %u passed, %u failed; "
                     "%llu exits:%s", g->cfg.name, where, g->exit_status, g->tests_passed,
                     g->tests_failed, (unsigned long long)total, exits);
        } else {
            log_info("summary: guest %s on %s: stopped (%s); %llu exits:%s", g->cfg.name,
                     where, g->state == GUEST_STOPPED ? g->why : "never ran",
                     (unsigned long long)total, exits);
        }
        if (g->ipis_dropped)
            log_info("summary: guest %s: %u IPI%s aimed outside the guest, dropped", g->cfg.name,
                     g->ipis_dropped, g->ipis_dropped == 1 ? "" : "s");
    }
    if (guest_count)
        log_info("summary: %u guest%s, %u exited, %u stopped", guest_count,
                 guest_count == 1 ? "" : "s", exited, guest_count - exited);
}
