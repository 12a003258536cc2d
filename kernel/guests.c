/* The guests GRUB loaded as modules: placed on CPUs, created, run, summed
 * up. Static partitioning: each vCPU is pinned to one physical CPU for as
 * long as its guest runs. A guest with a CPU list (cpus=1,3) owns those
 * CPUs; the others are placed round robin on the CPUs no list names (APs
 * first, then the BSP), and guests sharing a CPU run on it one after
 * another, in module order: since every CPU takes its guests in that
 * order, the vCPUs of one guest always end up running together. */
#include "kernel/guests.h"
#include "kernel/console_input.h"
#include "kernel/lib/string.h"
#include "kernel/loader/bzimage.h"
#include "arch/x86/tsc.h"
#include "kernel/log.h"
#include "kernel/mm.h"
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

/* Modules that became no guest (or no guest's module), and why: the
 * summary names each, and Keel's power-off status says guests were
 * refused (KEEL_STATUS_GUESTS_REFUSED). The first reason is kept. */
struct refusal {
    unsigned module;
    char why[160];
};
static struct refusal refusals[BOOT_MODULES_MAX];
static unsigned refusal_count;

static void refuse(unsigned module, const char *fmt, ...) KEEL_PRINTF(2, 3);
static void refuse(unsigned module, const char *fmt, ...)
{
    char why[sizeof(refusals[0].why)];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_err("module %u: %s", module, why);
    for (unsigned i = 0; i < refusal_count; i++)
        if (refusals[i].module == module)
            return;
    if (refusal_count < BOOT_MODULES_MAX) {
        refusals[refusal_count].module = module;
        memcpy(refusals[refusal_count++].why, why, sizeof(why));
    }
}

static void module_report(void *ctx, const char *msg)
{
    refuse(*(unsigned *)ctx, "%s", msg);
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
    enum guest_image kind;
    unsigned module;
    bool ok;
    uint32_t cpu[GUEST_VCPUS_MAX];
};

static struct candidate candidates[GUESTS_MAX];     /* at boot, on the BSP */
static unsigned candidate_count;

static bool candidate_named(const char *name)
{
    for (unsigned k = 0; k < candidate_count; k++)
        if (!strcmp(candidates[k].cfg.name, name))
            return true;
    return false;
}

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
                refuse(module, "guest %s asks for cpu%u, which %s: not started", c->name, cpu,
                       cpu >= cpu_count ? "does not exist" : "is not in VMX");
                return false;
            }
            if (p->owner[cpu]) {
                refuse(module, "guest %s asks for cpu%u, which is guest %s's: not started",
                       c->name, cpu, p->owner[cpu]->name);
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
        refuse(module, "guest %s asks for %u CPUs; %u %s free for it: not started", c->name,
               c->vcpus, free, free == 1 ? "is" : "are");
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

/* The module lines that hand a guest its modules (for=NAME), by line. */
static struct guest_module_line module_lines[BOOT_MODULES_MAX];

/* Give each guest its for= modules, in line order. */
static void attach_modules(const struct boot_info *bi, const bool *is_module)
{
    for (unsigned i = 0; i < bi->module_count; i++) {
        if (!is_module[i])
            continue;
        const struct guest_module_line *ml = &module_lines[i];
        struct guest *g = NULL;
        for (unsigned k = 0; k < guest_count && !g; k++)
            if (!strcmp(guests[k].cfg.name, ml->guest))
                g = &guests[k];
        if (!g) {
            refuse(i, "a module for guest %s, which %s", ml->guest,
                   candidate_named(ml->guest) ? "was not started" : "no module line defines");
            continue;
        }
        if (g->module_count == GUEST_MODULES_MAX) {
            refuse(i, "a module for guest %s, which has %d already: not given", g->cfg.name,
                   GUEST_MODULES_MAX);
            continue;
        }
        const struct boot_module *m = &bi->modules[i];
        g->modules[g->module_count++] = (struct loader_module){
            .data = (const void *)(uintptr_t)m->start, .size = m->end - m->start,
            .string = ml->string,
        };
    }
}

unsigned guests_create(const struct boot_info *bi)
{
    struct candidate *cand = candidates;
    static bool is_module[BOOT_MODULES_MAX];
    unsigned n = 0;
    placement_init(&placement);
    for (unsigned i = 0; i < bi->module_count; i++) {
        const struct boot_module *m = &bi->modules[i];
        const void *image = (const void *)(uintptr_t)m->start;
        uint64_t size = m->end - m->start;
        enum guest_line line = guest_config_classify(m->cmdline, &module_lines[i], module_report, &i);
        if (line == GUEST_LINE_MODULE)
            is_module[i] = true;
        if (line != GUEST_LINE_GUEST)
            continue;
        if (n == GUESTS_MAX) {
            refuse(i, "more than %d guests: not started", GUESTS_MAX);
            continue;
        }
        struct candidate *k = &cand[n];
        memset(k, 0, sizeof(*k));
        k->module = i;
        enum guest_image kind = bzimage_probe(image, size) ? GUEST_IMAGE_LINUX
                                : loader_probe(image, size) != LOADER_NONE ? GUEST_IMAGE_MULTIBOOT
                                : GUEST_IMAGE_FLAT;
        if (kind == GUEST_IMAGE_FLAT && loader_foreign(image, size)) {
            /* Not a flat image either (an ELF file with no Multiboot
             * header, a bzImage): refused, with what the loader says of it. */
            struct loader_boot none = { 0 };
            struct vcpu_start unused;
            loader_load(image, size, NULL, &none, &unused, NULL, module_report, &i);
            log_err("module %u ('%s'): not started", i, m->cmdline);
            continue;
        }
        if (guest_config_parse(m->cmdline, i, &k->cfg, module_report, &i) ||
            guest_config_finish(&k->cfg, kind, size, module_report, &i)) {
            log_err("module %u ('%s'): not started", i, m->cmdline);
            continue;
        }
        k->kind = kind;
        if (candidate_named(k->cfg.name)) {
            refuse(i, "a second guest named %s: not started", k->cfg.name);
            continue;
        }
        if (!placement.count) {
            refuse(i, "guest %s: no CPU is in VMX root operation: not started", k->cfg.name);
            continue;
        }
        n++;
        candidate_count = n;
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
        g->image = (const void *)(uintptr_t)m->start;
        g->image_size = m->end - m->start;
        g->image_kind = cand[k].kind;
        for (unsigned i = 0; i < g->cfg.vcpus; i++)
            g->vcpus[i].cpu = cand[k].cpu[i];
        guest_count++;              /* for attach_modules; taken back if it fails */
    }
    attach_modules(bi, is_module);
    unsigned made = 0;
    for (unsigned k = 0; k < guest_count; k++) {
        struct guest *g = &guests[k];
        unsigned module = 0;
        for (unsigned c = 0; c < n; c++)
            if (!strcmp(cand[c].cfg.name, g->cfg.name))
                module = cand[c].module;
        if (!guest_create(g, module_report, &module)) {
            log_err("module %u ('%s'): not started", module, g->cfg.name);
            continue;
        }
        char where[96];
        describe_cpus(g, where, sizeof(where));
        log_info("guest %s: %u vCPU%s on %s", g->cfg.name, g->vcpu_count,
                 g->vcpu_count == 1 ? "" : "s", where);
        if (made != k)
            guests[made] = *g;      /* no vCPU has run: nothing points into it yet */
        guests[made].index = made;
        for (unsigned i = 0; i < guests[made].vcpu_count; i++)
            guests[made].vcpus[i].guest = &guests[made];
        made++;
    }
    guest_count = made;
    if (!bi->module_count)
        log_info("guests: none (give GRUB module2 lines, docs/guests.md)");
    return guest_count;
}

/* Set by guests_stop_all: Keel is ending, no guest restarts. */
static volatile bool guests_ending;

void guests_stop_all(const char *why)
{
    guests_ending = true;
    for (unsigned i = 0; i < guest_count; i++)
        guest_stop(&guests[i], "%s", why);
}

/* Does the guest's restart policy (restart=) ask for another run? A guest
 * that Keel stopped (a triple fault, a reset, a fatal exit, its time
 * budget) restarts with on-crash or always; one that exited, only with
 * always; never more than its limit, and never while Keel itself stops.
 * The monitor's kill and restart override the policy once. */
static bool restart_due(struct guest *g, bool *asked)
{
    const struct guest_config *c = &g->cfg;
    bool crashed = g->state == GUEST_STOPPED, exited = g->state == GUEST_EXITED;
    int override = __atomic_exchange_n(&g->restart_override, GUEST_RESTART_POLICY,
                                       __ATOMIC_ACQ_REL);
    *asked = override == GUEST_RESTART_ONCE;
    if (smp_stopping || guests_ending || override == GUEST_RESTART_NOT)
        return false;
    if (*asked)
        return true;
    if (c->restart == RESTART_NEVER || !(crashed || exited) ||
        (exited && c->restart != RESTART_ALWAYS))
        return false;
    if (g->restarts >= c->restart_max) {
        log_info("guest %s: not restarted: it has restarted %u time%s (restart=%s:%u)", c->name,
                 g->restarts, g->restarts == 1 ? "" : "s", guest_restart_name(c->restart),
                 c->restart_max);
        return false;
    }
    return true;
}

/* After vcpu_run: the last of the guest's vCPUs to leave decides whether
 * it restarts (and makes it new again); the others wait for that, here,
 * outside any exit handler. Returns whether to run the vCPU again. */
static bool run_again(struct guest *g)
{
    unsigned gen = __atomic_load_n(&g->generation, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&g->vcpus_out, 1, __ATOMIC_ACQ_REL) == g->vcpu_count) {
        bool asked;
        if (restart_due(g, &asked)) {
            char why[sizeof(g->why)];
            if (g->state == GUEST_STOPPED)
                ksnprintf(why, sizeof(why), "it stopped: %s", g->why);
            else
                ksnprintf(why, sizeof(why), "it exited with status %u", g->exit_status);
            g->restarts++;
            if (asked)
                log_info("guest %s: restarting, as the monitor asked", g->cfg.name);
            else
                log_info("guest %s: restarting (%u of %u): %s", g->cfg.name, g->restarts,
                         g->cfg.restart_max, why);
            g->paused = false;      /* the monitor's pause was the last run's */
            if (guest_restart(g)) {
                __atomic_store_n(&g->generation, gen + 1, __ATOMIC_RELEASE);
                return true;
            }
        }
        __atomic_store_n(&g->finished, true, __ATOMIC_RELEASE);
        return false;
    }
    while (__atomic_load_n(&g->generation, __ATOMIC_ACQUIRE) == gen &&
           !__atomic_load_n(&g->finished, __ATOMIC_ACQUIRE)) {
        smp_poll_call();
        cpu_relax();
    }
    return !g->finished;
}

/* Runs on each CPU: the vCPUs pinned to it, guest after guest. */
static void run_pinned(void *arg)
{
    (void)arg;
    uint32_t self = this_cpu_id();
    for (unsigned i = 0; i < guest_count; i++)
        for (unsigned k = 0; k < guests[i].vcpu_count; k++)
            if (guests[i].vcpus[k].cpu == self)
                do
                    vcpu_run(&guests[i].vcpus[k]);
                while (run_again(&guests[i]));
}

/* Free frames when the guests started: the summary compares (make soak). */
static uint64_t free_at_start;

void guests_run(void)
{
    if (!guest_count)
        return;
    for (unsigned c = 0; c < cpu_count; c++)
        if (cpus[c]->vmx_on)
            vcpu_cpu_prepare(cpus[c]);
    for (unsigned i = 0; i < guest_count; i++)
        guests[i].state = GUEST_RUNNING;
    free_at_start = mm_free_count();
    console_input_start();
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

enum keel_status guests_summary(void)
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
        if (g->restarts)
            log_info("summary: guest %s: restarted %u time%s", g->cfg.name, g->restarts,
                     g->restarts == 1 ? "" : "s");
    }
    for (unsigned m = 0; m < BOOT_MODULES_MAX; m++)         /* in module order */
        for (unsigned i = 0; i < refusal_count; i++)
            if (refusals[i].module == m)
                log_info("summary: module %u refused: %s", m, refusals[i].why);
    if (guest_count) {
        uint64_t now = mm_free_count();
        log_info("summary: memory: %llu KiB free, %llu KiB %s than when the guests started",
                 (unsigned long long)(now * FRAME_SIZE / 1024),
                 (unsigned long long)((now > free_at_start ? now - free_at_start
                                                           : free_at_start - now) * FRAME_SIZE / 1024),
                 now >= free_at_start ? "more" : "less");
    }
    if (refusal_count)
        log_info("summary: %u guest%s, %u exited, %u stopped; %u module%s refused", guest_count,
                 guest_count == 1 ? "" : "s", exited, guest_count - exited, refusal_count,
                 refusal_count == 1 ? "" : "s");
    else if (guest_count)
        log_info("summary: %u guest%s, %u exited, %u stopped", guest_count,
                 guest_count == 1 ? "" : "s", exited, guest_count - exited);
    return refusal_count ? KEEL_STATUS_GUESTS_REFUSED : KEEL_STATUS_OK;
}

unsigned guests_count(void)
{
    return guest_count;
}

struct guest *guest_at(unsigned i)
{
    return &guests[i];
}
