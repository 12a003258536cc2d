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

/* What `trace dump` shows: the named guest's exits (or all), of one
 * reason (or all), each CPU's last `last` of them. */
struct dump_filter {
    const struct guest *only;
    int reason;                     /* basic exit reason, or -1 */
    uint64_t last;
};

static bool matches(const struct dump_filter *f, const struct trace_entry *e)
{
    return (!f->only || e->guest == f->only->index) &&
           (f->reason < 0 || (e->reason & 0xffff) == (uint32_t)f->reason);
}

/* Oldest first, CPU by CPU; the TSC as the time since the entry above. */
static void dump(const struct dump_filter *f)
{
    const struct guest *only = f->only;
    const char *reason = f->reason < 0 ? NULL : exit_reason_name((uint32_t)f->reason);
    unsigned all = 0;
    for (unsigned c = 0; c < cpu_count; c++) {
        uint64_t total, lost;
        unsigned n = trace_cpu_copy(cpus[c], copy, &total, &lost), match = 0;
        for (unsigned k = 0; k < n; k++)
            match += matches(f, &copy[k]);
        if (!match)
            continue;
        unsigned shown = match < f->last ? match : (unsigned)f->last, skip = match - shown;
        all += shown;
        char whose[96] = "", torn[64] = "";
        if (only || reason)
            ksnprintf(whose, sizeof(whose), "%s%s%s%u %s%sof ", only ? "guest " : "",
                      only ? only->cfg.name : "", only ? "'s " : "", shown,
                      reason ? reason : "", reason ? " " : "");
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
            if (!matches(f, &copy[k]))
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
            if (!matches(f, e))
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
    char what[96];          /* "[REASON ]exits[ of guest NAME]" */
    ksnprintf(what, sizeof(what), "%s%sexits%s%s", reason ? reason : "", reason ? " " : "",
              only ? " of guest " : "", only ? only->cfg.name : "");
    if (all)        /* the end, where the last line is: its header may have scrolled away */
        monitor_out("%u %s shown, each CPU's oldest first", all, what);
    else if (only || reason)
        monitor_out("no %s in the rings ('trace on%s%s' records them)", what, only ? " " : "",
                    only ? only->cfg.name : "");
    else
        monitor_out("nothing traced ('trace on' starts it)");
}

/* `trace dump [guest] [N] [REASON]`, in any order: a word is a guest if
 * one has that name, else a count, else an exit reason's name (as
 * `exits` prints them). */
static void dump_command(unsigned argc, char **argv)
{
    struct dump_filter f = { NULL, -1, TRACE_ENTRIES };
    bool counted = false;
    for (unsigned a = 2; a < argc; a++) {
        const char *w = argv[a];
        struct guest *g = monitor_find_guest(w);
        int reason = -1;
        for (unsigned r = 0; r < EXIT_REASON_COUNT && reason < 0; r++)
            if (!strcmp(exit_reason_name(r), w))
                reason = (int)r;
        uint64_t n;
        if (g && !f.only) {
            f.only = g;
        } else if (!g && !counted && parse_u64(w, &n)) {
            if (!n) {
                monitor_out("trace dump: '%s' is not a count of exits (1 or more)", w);
                return;
            }
            f.last = n;
            counted = true;
        } else if (!g && reason >= 0 && f.reason < 0) {
            f.reason = reason;
        } else {
            monitor_out("trace dump: '%s' is no guest, count or exit reason (or a second one); "
                        "usage: trace dump [guest] [N] [REASON]", w);
            return;
        }
    }
    dump(&f);
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
        monitor_out("usage: trace [on|off] [guest], trace dump [guest] [N] [REASON]");
}
