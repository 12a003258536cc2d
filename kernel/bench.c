/* bench=on: Keel runs the benchmark's CPU-bound loop itself, outside any
 * guest, so scripts/bench.sh can compare the guest's run of the same
 * instructions with a bare one; and it notes when each guest starts and
 * when it first writes to its console, with the exits it took until then,
 * so that a guest's boot can be measured from its first instruction
 * (docs/benchmark.md, "Linux boot"). */
#include "arch/x86/cpu.h"
#include "kernel/bench.h"
#include "kernel/guests.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "vmx/exit.h"
#include "vmx/guest.h"

uint64_t bench_cpu_loop(void);      /* kernel/bench_loop.asm */

void bench_host(void)
{
    uint64_t start = rdtsc();
    uint64_t sum = bench_cpu_loop();
    uint64_t ticks = rdtsc() - start;
    log_info("bench cpu_loop_bare %llu 1 (checksum 0x%llx)", (unsigned long long)ticks,
             (unsigned long long)sum);
}

/* Written on the boot CPU only. */
static bool first_entry_seen;

bool bench_watch_output;

/* Per guest: the TSC at its vCPU 0's first VM entry (a restart is not a
 * first), and at its first console byte with the exits taken until then.
 * Kept, and printed by bench_report once the guests have ended, since a
 * line written at the time would be counted itself (Keel's console is
 * synchronous: about 8,700 ticks a character at 115200 baud in Bochs).
 * A slot is claimed by the CPU that runs the guest's vCPU 0; the output
 * snapshot by whichever of its vCPUs writes first (out_taken). */
static struct bench_guest {
    const struct guest *g;
    uint64_t entry_tsc;
    bool out_taken;
    uint64_t out_tsc;               /* 0: no output yet */
    uint64_t out_exits[EXIT_REASON_COUNT];
} slots[GUESTS_MAX];
static unsigned slot_count;

static struct bench_guest *slot_of(const struct guest *g)
{
    unsigned n = __atomic_load_n(&slot_count, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n && i < GUESTS_MAX; i++)
        if (__atomic_load_n(&slots[i].g, __ATOMIC_ACQUIRE) == g)
            return &slots[i];
    return NULL;
}

void bench_first_entry(void)
{
    if (!keel_options.bench)
        return;
    if (this_cpu() == percpu_bsp() && !first_entry_seen) {
        first_entry_seen = true;
        log_info("bench boot_to_guest %llu 1 (%u CPU%s)", (unsigned long long)(rdtsc() - boot_tsc),
                 cpu_count, cpu_count == 1 ? "" : "s");
    }
    const struct vcpu *v = this_cpu()->vcpu;
    if (!v || v->index != 0 || slot_of(v->guest))
        return;
    unsigned i = __atomic_fetch_add(&slot_count, 1, __ATOMIC_ACQ_REL);
    if (i >= GUESTS_MAX)
        return;
    bench_watch_output = true;
    slots[i].entry_tsc = rdtsc();        /* last: the guest's first instruction follows */
    __atomic_store_n(&slots[i].g, v->guest, __ATOMIC_RELEASE);
}

void bench_note_output(const struct guest *g)
{
    uint64_t tsc = rdtsc();
    struct bench_guest *s = slot_of(g);
    if (!s || s->out_taken || __atomic_exchange_n(&s->out_taken, true, __ATOMIC_ACQ_REL))
        return;
    for (unsigned k = 0; k < g->vcpu_count; k++)      /* the others' counts as they are */
        for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
            s->out_exits[r] += __atomic_load_n(&g->vcpus[k].exits[r], __ATOMIC_RELAXED);
    s->out_tsc = tsc;
}

void bench_report(void)
{
    if (!keel_options.bench)
        return;
    unsigned n = slot_count < GUESTS_MAX ? slot_count : GUESTS_MAX;
    for (unsigned i = 0; i < n; i++) {
        const struct bench_guest *s = &slots[i];
        const char *name = s->g->cfg.name;
        log_info("bench guest_entry %s %llu (TSC at its first VM entry)", name,
                 (unsigned long long)s->entry_tsc);
        if (!s->out_tsc)
            continue;
        uint64_t total = 0;
        for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
            total += s->out_exits[r];
        log_info("bench guest_first_output %s %llu %llu (TSC at its first console byte, exits "
                 "until then)", name, (unsigned long long)s->out_tsc, (unsigned long long)total);
        for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
            if (s->out_exits[r])
                log_info("bench guest_exits %s %s %llu", name, exit_reason_name(r),
                         (unsigned long long)s->out_exits[r]);
    }
}
