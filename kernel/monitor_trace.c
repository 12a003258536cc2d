/* The monitor's `trace` (docs/console.md): each CPU's ring of its recent
 * VM exits (vmx/trace.h), switched on and off per guest, and dumped. */
#include "kernel/cmdline.h"        /* parse_u64 */
#include "kernel/guests.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"
#include "kernel/monitor_cmd.h"
#include "kernel/percpu.h"
#include "vmx/exit.h"            /* exit_reason_name */
#include "vmx/guest.h"
#include "vmx/trace.h"

static struct trace_entry copy[TRACE_ENTRIES];     /* one command at a time */

static unsigned vcpus_traced(const struct guest *g)
{
    unsigned n = 0;
    for (unsigned k = 0; k < g->vcpu_count; k++)
        n += g->vcpus[k].trace.want;
    return n;
}

/* `trace`: which guests are traced, and what each CPU's ring has seen. */
static void status(void)
{
    for (unsigned i = 0; i < guests_count(); i++) {
        const struct guest *g = guest_at(i);
        unsigned n = vcpus_traced(g);
        monitor_out("guest %s: trace %s%s", g->cfg.name, n ? "on" : "off",
                    n && n < g->vcpu_count ? " (some vCPUs)" : "");
    }
    for (unsigned c = 0; c < cpu_count; c++)
        if (cpus[c]->trace_ring)
            monitor_out("cpu%u: %llu exits traced", c,
                        (unsigned long long)__atomic_load_n(&cpus[c]->trace_head, __ATOMIC_ACQUIRE));
}

static void set(struct guest *only, bool on)
{
    unsigned guests = 0, vcpus = 0;
    for (unsigned i = 0; i < guests_count(); i++) {
        struct guest *g = guest_at(i);
        if (only && g != only)
            continue;
        trace_guest_set(g, on);
        guests++;
        vcpus += g->vcpu_count;
    }
    if (!guests) {
        monitor_out("no guests");
        return;
    }
    char what[64];
    if (only)
        ksnprintf(what, sizeof(what), "guest %s's", only->cfg.name);
    else
        ksnprintf(what, sizeof(what), "%u guest%s'", guests, guests == 1 ? "" : "s");
    const char *s = vcpus == 1 ? "" : "s", *one = vcpus == 1 ? "s" : "";
    if (on)
        monitor_out("trace on: %s %u vCPU%s record%s each exit from the next one on, in its CPU's "
                    "ring (the last %u)", what, vcpus, s, one, TRACE_ENTRIES);
    else
        monitor_out("trace off: %s %u vCPU%s no longer record%s exits (from the next one on)", what,
                    vcpus, s, one);
}

/* Oldest first, CPU by CPU; the TSC as the time since the entry above.
 * `last`: at most that many of each CPU's entries, its newest. */
static void dump(const struct guest *only, uint64_t last)
{
    unsigned all = 0;
    for (unsigned c = 0; c < cpu_count; c++) {
        uint64_t total, lost;
        unsigned n = trace_cpu_copy(cpus[c], copy, &total, &lost), match = 0;
        for (unsigned k = 0; k < n; k++)
            match += !only || copy[k].guest == only->index;
        if (!match)
            continue;
        unsigned shown = match < last ? match : (unsigned)last, skip = match - shown;
        all += shown;
        char whose[64] = "", torn[64] = "";
        if (only)
            ksnprintf(whose, sizeof(whose), "guest %s's %u of ", only->cfg.name, shown);
        else if (shown < n)
            ksnprintf(whose, sizeof(whose), "%u of ", shown);
        if (lost)
            ksnprintf(torn, sizeof(torn), "; %llu older ones overwritten as they were read",
                      (unsigned long long)lost);
        /* k: the first entry shown; its time is since the one before it
         * that matches, or 0 when it is the oldest */
        uint64_t prev = 0;
        unsigned k = 0, seen = 0;
        for (; k < n; k++) {
            if (only && copy[k].guest != only->index)
                continue;
            if (seen++ == skip)
                break;
            prev = copy[k].tsc;
        }
        if (!skip)
            prev = copy[k].tsc;
        monitor_out("cpu%u: %sthe last %u of %llu exits traced, oldest first, from TSC 0x%llx%s",
                    c, whose, n, (unsigned long long)total, (unsigned long long)prev, torn);
        for (; k < n; k++) {
            const struct trace_entry *e = &copy[k];
            if (only && e->guest != only->index)
                continue;
            char who[48], line[160];
            if (e->guest < guests_count())
                ksnprintf(who, sizeof(who), "%s vCPU %u", guest_at(e->guest)->cfg.name, e->vcpu);
            else
                ksnprintf(who, sizeof(who), "guest %u vCPU %u", e->guest, e->vcpu);
            trace_entry_line(line, sizeof(line), e, prev, exit_reason_name(e->reason & 0xffff),
                             who);
            monitor_out("%s", line);
            prev = e->tsc;
        }
    }
    if (all)        /* the end, where the last line is: its header may have scrolled away */
        monitor_out("%u exits%s%s shown, each CPU's oldest first", all, only ? " of guest " : "",
                    only ? only->cfg.name : "");
    else if (only)
        monitor_out("nothing traced of guest %s ('trace on %s' starts it)", only->cfg.name,
                    only->cfg.name);
    else
        monitor_out("nothing traced ('trace on' starts it)");
}

/* `trace dump [guest] [N]`: a lone argument is a guest if one has that
 * name, else a count. */
static void dump_command(unsigned argc, char **argv)
{
    struct guest *only = NULL;
    uint64_t last = TRACE_ENTRIES;
    const char *count = argc > 3 ? argv[3] : NULL;
    if (argc > 2) {
        for (unsigned i = 0; i < guests_count() && !only; i++)
            if (!strcmp(guest_at(i)->cfg.name, argv[2]))
                only = guest_at(i);
        if (!only && !count && parse_u64(argv[2], &last) && last)
            ;                   /* a count alone */
        else if (!only && !(only = monitor_guest(argv[2])))
            return;
    }
    if (count && (!parse_u64(count, &last) || !last)) {
        monitor_out("trace dump: '%s' is not a count of exits (1 or more)", count);
        return;
    }
    dump(only, last);
}

MONITOR_COMMAND(trace)
{
    if (argc == 1) {
        status();
        return;
    }
    if (!strcmp(argv[1], "dump")) {
        dump_command(argc, argv);
        return;
    }
    struct guest *only = NULL;
    bool on = !strcmp(argv[1], "on");
    if ((on || !strcmp(argv[1], "off")) && argc <= 3) {
        if (argc > 2 && !(only = monitor_guest(argv[2])))
            return;
        set(only, on);
    } else
        monitor_out("usage: trace [on|off] [guest], trace dump [guest] [N]");
}
