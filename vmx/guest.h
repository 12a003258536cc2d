/* A guest and its vCPUs (KVM: struct kvm and struct kvm_vcpu). Static
 * partitioning: a guest owns a set of physical CPUs for as long as it
 * runs, one vCPU pinned to each; guests get disjoint host memory mapped by
 * EPT. docs/architecture.md, "Guests and vCPUs". */
#ifndef KEEL_VMX_GUEST_H
#define KEEL_VMX_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/x86.h"
#include "kernel/guest_config.h"
#include "kernel/loader/loader.h"
#include "kernel/spinlock.h"
#include "vmx/dev/irq.h"
#include "vmx/dev/pc.h"
#include "vmx/dev/vlapic.h"
#include "vmx/ept.h"
#include "vmx/exit_reason.h"
#include "vmx/msr_policy.h"
#include "vmx/trace.h"
#include "vmx/vcpu_start.h"
#include "vmx/vmcs_image.h"
#include "vmx/vmx_ops.h"

/* The XSAVE components a guest may enable with XSETBV: those whose rules
 * exit_xsetbv.c checks (others, such as AMX's, could make Keel's own
 * XSETBV fault), and that scrub_cpu_state resets between guests. */
#define GUEST_XCR0_ALLOWED (X86_XCR0_X87 | X86_XCR0_SSE | X86_XCR0_AVX | X86_XCR0_BNDREGS | \
                            X86_XCR0_BNDCSR | X86_XCR0_AVX512 | X86_XCR0_PKRU)

enum guest_state { GUEST_CREATED, GUEST_RUNNING, GUEST_EXITED, GUEST_STOPPED };

/* What the monitor said of the guest's next end (kill, restart): it
 * overrides restart= once (kernel/guests.c, run_again). */
enum guest_restart_override { GUEST_RESTART_POLICY, GUEST_RESTART_ONCE, GUEST_RESTART_NOT };

/* Requests to a vCPU from its own or another CPU (KVM kvm_make_request):
 * bits of vcpu.requests, acted on in the pre-entry step (vmx/event.c). */
#define VCPU_REQ_STOP   (1u << 0)   /* the guest has ended: leave */
#define VCPU_REQ_EVENT  (1u << 1)   /* the APIC has something: try to inject */
#define VCPU_REQ_NMI    (1u << 2)   /* an NMI is pending */
#define VCPU_REQ_INIT   (1u << 3)   /* INIT: reset, wait for SIPI */
#define VCPU_REQ_SIPI   (1u << 4)   /* SIPI (vector in sipi_vector) */
#define VCPU_REQ_TIMER  (1u << 5)   /* a deadline changed: re-arm the timer */
/* From Keel's monitor (kernel/monitor_*.c), acted on in the pre-entry
 * step's out-of-line part (never on the common exit path): */
#define VCPU_REQ_SNAPSHOT (1u << 6) /* copy registers and VMCS into vcpu.snapshot */
#define VCPU_REQ_PAUSE  (1u << 7)   /* wait in Keel while guest.paused */
#define VCPU_REQ_GDB_STEP (1u << 8) /* GDB's step under way: done by Keel's emulation? */
#define RDMSR_KEPT_VALID (1ull << 32)  /* vcpu.rdmsr_kept.key holds an MSR */
#define VCPU_REQ_CONSOLE (1u << 9)  /* poll the console: the monitor may look at this vCPU */
#define VCPU_REQ_TRACE  (1u << 10)  /* trace on or off: HOST_RIP as vcpu.trace.want says */
#define VCPU_REQ_MONITOR (VCPU_REQ_SNAPSHOT | VCPU_REQ_PAUSE | VCPU_REQ_GDB_STEP | VCPU_REQ_CONSOLE | \
                          VCPU_REQ_TRACE)

/* The last MMIO instruction decoded (vmx/mmio.c). */
#include "vmx/insn_decode.h"
struct mmio_cache {
    const uint8_t *host;            /* its bytes in guest RAM, or NULL: none */
    uint64_t rip, cr3, cs_ar;
    uint8_t bytes[16];              /* INSN_MAX_LEN of them, padded */
    struct insn in;
};

/* A vCPU's state as the monitor shows it (regs, vmcs, vmem): read on the
 * CPU that owns the VMCS (vcpu_snapshot_take), into a buffer the monitor
 * owns. */
struct vcpu_snapshot {
    struct guest_regs regs;
    struct vmcs_image vmcs;         /* every field; set[] false: the CPU lacks it */
    enum vcpu_activity activity;
    volatile bool done;             /* the copy is complete */
};

struct vcpu {
    struct guest_regs regs;         /* the guest's, saved by vmx/entry.asm */
    bool launched;                  /* VMLAUNCH done: VMRESUME from now on */
    volatile uint32_t requests;     /* VCPU_REQ_*: set by anyone, cleared here */
    struct guest *guest;
    unsigned index;                 /* 0 = the BSP; also its APIC ID */
    uint32_t cpu;                   /* the physical CPU it is pinned to */
    uint64_t vmcs;                  /* physical address of its VMCS */
    uint16_t vpid;
    enum vcpu_activity activity;
    struct vcpu_start start;
    volatile uint8_t sipi_vector;
    bool nmi_pending;
    bool stuck;                     /* counted in guest.vcpus_stuck */
    uint32_t proc_ctl;              /* primary processor-based controls, as in the VMCS */
    bool apicv;                     /* the CPU virtualizes its APIC (apicv=) */
    uint32_t reinject;              /* IDT-vectoring information to deliver again */
    uint32_t reinject_error, reinject_len;
    struct vlapic apic;             /* its local APIC; page: a frame of its own */
    volatile uint32_t pir[8];       /* vectors posted by other vCPUs, for its IRR */
    /* Set after a post: bit i says pir[i] may have something,
     * PIR_PENDING_WORK that irq_work may (vmx/vapic.c, vapic_sync) */
    volatile uint32_t pir_pending;
    uint8_t preempt_shift;          /* VMX-preemption timer rate (IA32_VMX_MISC 4:0) */
    uint64_t timer_deadline;        /* TSC of the next timer event (APIC or budget) */
    uint64_t deadline;              /* TSC at which its time budget runs out; 0: none */
    uint32_t exits_to_check;        /* exits until the budget is checked (vmx/exit.c) */
    uint64_t dr[4], dr6;            /* debug registers: kept, not loaded */
    uint64_t pat;                   /* IA32_PAT when the VMCS has no field for it */
    struct guest_msrs msrs;         /* the MSRs Keel emulates (vmx/guest_msrs.def) */
    /* The last RDMSR answer that never changes (guest_msr_read_constant),
     * for vmx/entry.asm to give again: key RDMSR_KEPT_VALID | MSR, 0 none */
    struct { uint64_t key, value; } rdmsr_kept;
    unsigned msr_refusals;
    uint64_t exits[EXIT_REASON_COUNT];
    struct mmio_cache mmio_cache;
    /* Device interrupts (vmx/dev/irq.c, vmx/vapic.c) */
    volatile uint32_t pir_level[8]; /* level-triggered vectors posted (IRQ_WORK_LEVEL) */
    volatile uint8_t irq_work;      /* IRQ_WORK_*: for the pre-entry step (vapic_sync) */
    bool level_seen;                /* a level-triggered vector was accepted: EOIs look at TMR */
    uint64_t device_deadline;       /* TSC of the PIT's next interrupt (vCPU 0); 0: none */
    /* VCPU_REQ_SNAPSHOT: where to copy; the copy takes it (NULL again), so
     * that a monitor that stopped waiting can tell whether it was taken. */
    struct vcpu_snapshot *volatile snapshot;
    struct vcpu_trace trace;        /* the monitor's exit trace (vmx/trace.h) */
};

/* A port-I/O range of a device model: `io` answers each access (a read
 * fills *val). It returns what the exit should do next (enum
 * exit_action). A guest's ranges are pio[1 .. pio_count - 1]; pio[0] is
 * "no device", over every port. */
struct vcpu;
typedef int (*pio_fn)(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
struct pio_range {
    uint16_t first, span;       /* ports first .. first + span */
    pio_fn io;
};

/* An MMIO range: EPT violations inside it go to the device (through the
 * instruction decoder), not to the stop path. */
typedef bool (*mmio_fn)(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val);
struct mmio_range {
    uint64_t base, size;
    mmio_fn access;
};

#define PIR_PENDING_WORK (1u << 8)

#define GUEST_PIO_MAX 24
_Static_assert(GUEST_PIO_MAX < 256, "pio_index holds a range's number in a byte");
#define GUEST_PIO_PORTS 65536
#define GUEST_MMIO_MAX 4
#define GUEST_CONSOLE_LINE 120

/* Modules a Multiboot kernel is handed (for= lines, docs/guests.md). */
#define GUEST_MODULES_MAX 16

struct guest {
    struct guest_config cfg;
    unsigned index;
    /* What it is made from, kept for its restarts: its module (Keel's
     * memory, never the guest's: each restart loads it pristine), its
     * kind, and the modules it is handed. */
    const void *image;
    uint64_t image_size;
    int image_kind;                 /* enum guest_image */
    struct loader_module modules[GUEST_MODULES_MAX];
    unsigned module_count;
    unsigned restarts;              /* restarts done (restart=) */
    volatile unsigned vcpus_out;    /* vCPUs that have left since it (re)started */
    volatile unsigned generation;   /* bumped by each restart */
    volatile bool finished;         /* ended for good: no restart */
    uint64_t ram;                   /* host-physical base of its RAM */
    struct ept ept;
    struct spinlock lock;           /* state, why, console */
    uint64_t apic_access;           /* apicv: the APIC-access page EPT maps at 0xfee00000 */
    volatile enum guest_state state;
    uint32_t exit_status;           /* GUEST_EXITED: the status it gave */
    char why[160];                  /* GUEST_STOPPED: the diagnostic */
    struct pio_range pio[GUEST_PIO_MAX + 1];
    unsigned pio_count;             /* with pio[0] */
    /* Each port's range in pio[]: the first added that holds it, 0 for
     * none. A lookup is one load (vmx/exit_io.c, vmx/entry.asm). 64 KiB,
     * from Keel's frames when the guest is made (not in every guest's
     * slot of .bss, which boot clears). */
    uint8_t *pio_index;
    struct mmio_range mmio[GUEST_MMIO_MAX];
    unsigned mmio_count;
    unsigned tests_passed, tests_failed;    /* HC_TEST_RESULT reports */
    uint64_t test_scratch;          /* the test MMIO device's register */
    struct pc_devices pc;           /* COM1, PIC, PIT, fw_cfg, ...: vmx/dev/pc.h */
    struct irq_state irq;           /* ISA lines, I/O APIC: vmx/dev/irq.h */
    char line[GUEST_CONSOLE_LINE];  /* guest console: the line being written */
    unsigned line_len;
    volatile unsigned vcpus_stuck;  /* halted with interrupts off, or waiting for SIPI */
    volatile unsigned ipis_dropped;     /* IPIs aimed outside the guest */
    /* The monitor's pause (VCPU_REQ_PAUSE): its vCPUs wait in Keel while
     * `paused` is set; vcpus_paused counts those that do. */
    volatile bool paused;
    volatile unsigned vcpus_paused;
    volatile int8_t restart_override;   /* enum guest_restart_override */
    unsigned vcpu_count;
    struct vcpu vcpus[GUEST_VCPUS_MAX];
};

/* Stop the guest with a diagnostic (printed with its name); the first
 * reason given is the one kept. Every vCPU is told (request + kick). */
void guest_stop(struct guest *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The guest ended by its own choice (exit hypercall, exit port: `via`
 * prefixes the log line). */
void guest_exit(struct guest *g, uint32_t status, const char *via);

/* Guest-physical to Keel's pointer, for `len` bytes inside guest RAM; NULL
 * when any byte lies outside it. Guests choose these addresses: check. */
void *guest_ram(struct guest *g, uint64_t gpa, uint64_t len);

/* A paging-structure entry in guest RAM, for guest_walk (gw_read_fn;
 * ctx: the guest); vmx/mmio.c. */
int guest_ram_read_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);

/* Build the guest's memory, EPT, devices, vCPUs from g->cfg, g->image
 * (g->image_kind: Keel's flat image with its start state and long64 page
 * tables, or a Multiboot kernel through kernel/loader) and g->modules.
 * Returns false, having said why (`report`) and freed its RAM, if the
 * image cannot be loaded or the RAM is not there. */
bool guest_create(struct guest *g, report_fn report, void *ctx);

/* Make an ended guest new again for a restart, when every vCPU has left:
 * RAM cleared, the image loaded again from its module, devices and vCPUs
 * reset, state running. Returns false (the guest stays ended) if the
 * image no longer loads. */
bool guest_restart(struct guest *g);

/* Register a device's ports or MMIO range in the guest's table. */
void guest_add_pio(struct guest *g, uint16_t first, uint16_t last, pio_fn io);
void guest_add_mmio(struct guest *g, uint64_t base, uint64_t size, mmio_fn access);

/* Ask vCPU `v` to act on `req` before its next VM entry: set the bit and
 * kick its CPU out of the guest (KVM kvm_make_request + kvm_vcpu_kick). */
void vcpu_request(struct vcpu *v, uint32_t req);

/* VCPU_REQ_SNAPSHOT's work, on the vCPU's own CPU with its VMCS current:
 * copy into v->snapshot (if still there; taking it) and set its done. */
void vcpu_snapshot_take(struct vcpu *v);

/* Run the vCPU on this CPU until its guest ends. */
void vcpu_run(struct vcpu *v);

/* What a CPU needs to run vCPUs (a VMCS image to build in, the XSAVE area
 * that scrubs extended state), allocated before any guest runs: running
 * guests allocates nothing. */
struct percpu;
void vcpu_cpu_prepare(struct percpu *cpu);

/* A vCPU's start state: built as an image (controls, this CPU's host
 * state, guest state from v->start), then written to the current VMCS. */
struct vmcs_image;
void vmcs_build(struct vcpu *v, struct vmcs_image *img);
void vmcs_load(const struct vmcs_image *img);

/* VMX-preemption timer value for `tsc_ticks` at the CPU's rate (`shift`:
 * IA32_VMX_MISC bits 4:0, vcpu.preempt_shift), at least 1, at most the
 * 32-bit field's limit. */
static inline uint32_t vmx_preemption_timer_value(uint64_t tsc_ticks, unsigned shift)
{
    uint64_t v = tsc_ticks >> shift;
    return v == 0 ? 1 : v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
}

/* MSRs guests use directly that VM exits do not switch (vmcs_setup.c). */
#define GUEST_UNSWITCHED_MSRS 5
extern const uint32_t guest_unswitched_msrs[GUEST_UNSWITCHED_MSRS];

/* Shared by every VMCS: I/O bitmaps (everything exits) and MSR bitmaps:
 * the one for a vCPU whose x2APIC the CPU virtualizes, or the other. */
void vmx_bitmaps_init(void);
uint64_t vmx_msr_bitmap(bool x2apic_virtualized);

/* vmx/entry.asm: enter the guest (VMLAUNCH, then VMRESUME) and handle its
 * exits (vmx_handle_exit) until a handler says stop: returns VMX_SUCCEED
 * then, or the VMfail of a VMLAUNCH/VMRESUME that did not happen. */
enum vmx_result vmx_run(struct vcpu *v);
void vmx_exit_stub(void);
/* The same loop with the speculation mitigations spec_init chose
 * (vmx/spec_ctrl.h): on CPUs that need them. */
enum vmx_result vmx_run_mitigated(struct vcpu *v);
void vmx_exit_stub_mitigated(void);

#endif
