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

static void module_report(void *ctx, const char *msg)
{
    log_err("module %u: %s", *(unsigned *)ctx, msg);
}

unsigned guests_create(const struct boot_info *bi)
{
    for (unsigned i = 0; i < bi->module_count; i++) {
        const struct boot_module *m = &bi->modules[i];
        if (guest_count == GUESTS_MAX) {
            log_err("module %u: more than %d guests: not started", i, GUESTS_MAX);
            continue;
        }
        struct guest *g = &guests[guest_count];
        memset(g, 0, sizeof(*g));
        if (guest_config_parse(m->cmdline, m->end - m->start, &g->cfg, module_report, &i)) {
            log_err("module %u ('%s'): not started", i, m->cmdline);
            continue;
        }
        g->index = guest_count;
        if (guest_create(g, (const void *)(uintptr_t)m->start))
            guest_count++;
    }
    if (!bi->module_count)
        log_info("guests: none (give GRUB module2 lines, docs/guests.md)");
    return guest_count;
}

/* Runs on each CPU: its share of the guests, one after another. */
static void run_share(void *arg)
{
    unsigned slot = (unsigned)(uintptr_t)arg, slots = 0;
    for (unsigned c = 0; c < cpu_count; c++)
        slots += cpus[c]->vmx_on;
    for (unsigned i = slot; i < guest_count; i += slots)
        vcpu_run(&guests[i].vcpu);
}

void guests_run(void)
{
    if (!guest_count)
        return;
    unsigned slot = 0;
    struct percpu *self = this_cpu();
    for (unsigned c = 0; c < cpu_count; c++)
        if (cpus[c]->vmx_on && cpus[c] != self)
            smp_call_start(cpus[c], run_share, (void *)(uintptr_t)slot++);
    if (keel_options.test == SELFTEST_GUEST_PANIC) {
        /* test=guest-panic: the other CPUs are inside their guests when
         * this one panics; its stop NMI reaches them as NMI exits. */
        udelay(100000);
        panic("test=guest-panic: a panic while other CPUs run guests");
    }
    if (self->vmx_on)
        run_share((void *)(uintptr_t)slot);
    for (unsigned c = 0; c < cpu_count; c++)
        if (cpus[c]->vmx_on && cpus[c] != self)
            smp_call_wait(cpus[c]);
}

void guests_summary(void)
{
    unsigned exited = 0;
    for (unsigned i = 0; i < guest_count; i++) {
        struct guest *g = &guests[i];
        char exits[160];
        size_t n = 0;
        uint64_t total = 0;
        exits[0] = '\0';
        for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
            total += g->exits[r];
            if (g->exits[r] && n < sizeof(exits) - 32)
                n += (size_t)ksnprintf(exits + n, sizeof(exits) - n, " %s %llu",
                                       exit_reason_name(r), (unsigned long long)g->exits[r]);
        }
        if (g->state == GUEST_EXITED) {
            exited++;
            log_info("summary: guest %s on cpu%u: exited with status %u; %u passed, %u failed; "
                     "%llu exits:%s", g->cfg.name, g->cpu, g->exit_status, g->tests_passed,
                     g->tests_failed, (unsigned long long)total, exits);
        } else {
            log_info("summary: guest %s on cpu%u: stopped (%s); %llu exits:%s", g->cfg.name,
                     g->cpu, g->state == GUEST_STOPPED ? g->why : "never ran",
                     (unsigned long long)total, exits);
        }
    }
    if (guest_count)
        log_info("summary: %u guest%s, %u exited, %u stopped", guest_count,
                 guest_count == 1 ? "" : "s", exited, guest_count - exited);
}
