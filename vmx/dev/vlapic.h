/* A virtual local APIC: the register logic of one vCPU's APIC over a page
 * of state in the xAPIC layout (SDM "Advanced Programmable Interrupt
 * Controller (APIC)"), which is also the virtual-APIC page when the CPU's
 * APIC virtualization is in use (SDM "APIC Virtualization and Virtual
 * Interrupts"). Pure: no VMX, no other vCPU, no clock of its own. The
 * caller passes the time (the guest's TSC) and delivers what an ICR write
 * asks for (vmx/vapic.c). Unit-tested in tests/unit/test_vlapic.c. */
#ifndef KEEL_VMX_DEV_VLAPIC_H
#define KEEL_VMX_DEV_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets in the xAPIC page; x2APIC MSR = 0x800 + offset / 16
 * (SDM "Local APIC Register Address Map", "x2APIC Register Address
 * Space"). vmx/dev/apic_regs.def is the table. */
#define APIC_REG(name, offset, flags) APIC_##name = offset,
enum apic_reg {
#include "vmx/dev/apic_regs.def"
};
#undef APIC_REG

#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST  0x8ff

/* IA32_APIC_BASE bits */
#define APIC_BASE_BSP    (1ull << 8)
#define APIC_BASE_EXTD   (1ull << 10)   /* x2APIC mode */
#define APIC_BASE_EN     (1ull << 11)
#define APIC_BASE_ADDR_DEFAULT 0xfee00000ull

/* ICR fields (SDM "Interrupt Command Register (ICR)") */
enum apic_delivery {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
    APIC_DM_INIT = 5, APIC_DM_STARTUP = 6, APIC_DM_EXTINT = 7,
};
enum apic_shorthand { APIC_SH_NONE = 0, APIC_SH_SELF = 1, APIC_SH_ALL = 2, APIC_SH_OTHERS = 3 };

/* What an ICR write asks the platform to deliver. */
struct apic_ipi {
    uint8_t vector;
    uint8_t delivery;           /* enum apic_delivery */
    uint8_t shorthand;          /* enum apic_shorthand */
    bool logical;               /* destination mode */
    bool level_assert;          /* level bit: INIT de-assert has it clear */
    bool trigger_level;
    uint32_t dest;              /* xAPIC: bits 63:56 of the ICR; x2APIC: 63:32 */
};

/* The timer modes (LVT timer bits 18:17) */
enum apic_timer_mode { APIC_TIMER_ONESHOT = 0, APIC_TIMER_PERIODIC = 1, APIC_TIMER_TSC_DEADLINE = 2 };

struct vlapic {
    uint32_t *page;             /* 4 KiB, xAPIC layout: the registers */
    uint32_t id;                /* the APIC ID (the vCPU's index) */
    uint64_t apic_base;         /* IA32_APIC_BASE */
    bool x2apic_allowed;        /* CPUID shows x2APIC to this guest */
    /* The timer. Its input clock is the guest's TSC divided by
     * tsc_per_tick (before the divide configuration). */
    uint32_t tsc_per_tick;      /* >= 1 */
    /* The shortest period a periodic timer gets, in TSC units (0: none):
     * a period of one tick would make the vCPU do nothing but take timer
     * exits (KVM's min_timer_period_us). Set by the caller after reset. */
    uint64_t min_period;
    uint64_t timer_start;       /* TSC when the current count was loaded */
    uint32_t timer_count;       /* the count loaded then (TMICT, or what a
                                 * divide change left of it) */
    uint64_t timer_deadline;    /* TSC when it fires next; 0: not armed */
    uint64_t tsc_deadline_msr;  /* IA32_TSC_DEADLINE as the guest wrote it */
    uint32_t errors_pending;    /* ESR bits since the last ESR write */
    /* Set when the CPU's APIC virtualization also writes the page (IRR,
     * ISR, TPR, PPR): the register logic then reads everything from it.
     * Otherwise it keeps which IRR and ISR words are non-zero. */
    bool virtualized;
    uint8_t irr_words, isr_words;
};

/* Reset state (power-on; INIT is vlapic_init_signal): registers as the
 * SDM lists them, APIC enabled at the default base, BSP bit when `bsp`.
 * `page` is zeroed. */
void vlapic_reset(struct vlapic *l, uint32_t *page, uint32_t id, bool bsp, bool x2apic_allowed,
                  uint32_t tsc_per_tick);

/* INIT (SDM "x2APIC State Transitions"): the registers are reset but
 * IA32_APIC_BASE is kept, so the APIC stays in its mode (xAPIC, x2APIC
 * with its 32-bit ID and derived LDR, or disabled). */
void vlapic_init_signal(struct vlapic *l);

/* Software enabled: IA32_APIC_BASE.EN and SVR bit 8 both set. */
static inline bool vlapic_enabled(const struct vlapic *l)
{
    return (l->apic_base & APIC_BASE_EN) && (l->page[APIC_SVR / 4] & (1u << 8));
}

static inline bool vlapic_x2apic_mode(const struct vlapic *l)
{
    return (l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

/* Results of a register access. */
enum vlapic_result {
    VLAPIC_OK,
    VLAPIC_GP,          /* the access raises #GP (x2APIC MSR rules, bad APIC_BASE) */
    VLAPIC_IPI,         /* OK, and *ipi holds an interprocessor interrupt to deliver */
    VLAPIC_EOI,         /* OK, and an EOI was done (*eoi_vector: the ISR bit cleared, or -1) */
};

/* xAPIC MMIO, 32-bit accesses at a 16-byte aligned offset (0..0xff0);
 * other offsets and sizes read 0 and drop writes (with the ESR's illegal
 * register address bit where the SDM says). `now` is the guest's TSC. */
uint32_t vlapic_mmio_read(struct vlapic *l, uint32_t offset, uint64_t now);
enum vlapic_result vlapic_mmio_write(struct vlapic *l, uint32_t offset, uint32_t val, uint64_t now,
                                     struct apic_ipi *ipi, int *eoi_vector);

/* x2APIC MSRs 0x800-0x8ff (SDM "x2APIC Register Address Space": #GP for
 * reserved registers, read-only ones written, write-only ones read, the
 * reserved bits of a write, and any access outside x2APIC mode). */
enum vlapic_result vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *val);
enum vlapic_result vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now,
                                    struct apic_ipi *ipi, int *eoi_vector);

/* An x2APIC ICR write of the common IPI: fixed, physical, edge, no
 * shorthand, no reserved bit, a vector of 16 or more. It stores the ICR
 * as vlapic_msr_write does and gives the destination; the caller delivers
 * the IPI (vlapic_msr_write's VLAPIC_IPI for that write). false, having
 * done nothing, for any other write or outside x2APIC mode:
 * vlapic_msr_write decides those. */
bool vlapic_x2apic_icr_fixed(struct vlapic *l, uint64_t val, uint32_t *dest);

/* IA32_APIC_BASE write (SDM "State Changes From xAPIC Mode to x2APIC
 * Mode"): VLAPIC_GP for reserved bits, EXTD without EN, x2APIC to xAPIC
 * directly, or EXTD when x2apic_allowed is false. Disabling resets the
 * registers as the SDM says (LVTs masked, SVR 0xff). */
enum vlapic_result vlapic_set_base(struct vlapic *l, uint64_t val);

/* IA32_TSC_DEADLINE (MSR 0x6e0): reads 0 unless in TSC-deadline mode. */
uint64_t vlapic_tsc_deadline_read(const struct vlapic *l);
void vlapic_tsc_deadline_write(struct vlapic *l, uint64_t val, uint64_t now);

/* Accept an interrupt from outside (an IPI, a device): sets IRR (and TMR
 * for level). Returns false if the APIC is software-disabled or the vector
 * is illegal (0-15: sets ESR "received illegal vector"). */
bool vlapic_accept(struct vlapic *l, uint8_t vector, bool level);

/* The highest vector in IRR whose priority class is above the PPR's, or
 * -1: what the vCPU should take next (SDM "Interrupt, Task, and Processor
 * Priority"). */
int vlapic_pending(const struct vlapic *l);

/* Would `irr`, the highest vector in IRR (vlapic_highest_irr; -1 for
 * none), be taken now: vlapic_pending(l) >= 0 without the second scan. */
bool vlapic_irr_pending(const struct vlapic *l, int irr);

/* The highest vector set in IRR / ISR, or -1, whatever the priorities:
 * what virtual-interrupt delivery's RVI and SVI hold (SDM "Guest
 * Interrupt Status"). */
int vlapic_highest_irr(const struct vlapic *l);
int vlapic_highest_isr(const struct vlapic *l);

/* The vCPU took `vector` (from vlapic_pending): IRR to ISR, PPR updated. */
void vlapic_ack(struct vlapic *l, uint8_t vector);

/* Would an edge-triggered `vector` accepted now be the one the vCPU takes
 * next, with nothing else requested? (Enabled APIC, legal vector, IRR
 * empty, its class above the PPR's.) Only for the emulated APIC (the
 * IRR summary is not kept with virtual-interrupt delivery.) Inline, as
 * vlapic_accept_ack: they are the emulated APIC's self-IPI and timer
 * path (vmx/event.c). */
static inline bool vlapic_takes_at_once(const struct vlapic *l, uint8_t vector)
{
    /* A class above the PPR's is at least 1: vectors 0-15 never pass. */
    return !l->virtualized && !l->irr_words && vlapic_enabled(l) &&
           (vector & 0xf0u) > (l->page[APIC_PPR / 4] & 0xf0u);
}

/* vlapic_accept (edge) then vlapic_ack in one step, for a vector
 * vlapic_takes_at_once said yes to: the interrupt goes straight into
 * service. Its TMR bit clears (edge), its ISR bit and the ISR summary
 * set; its class is above the PPR's, which is the higher of the TPR's and
 * the in-service class, so the PPR becomes its class. */
static inline void vlapic_accept_ack(struct vlapic *l, uint8_t vector)
{
    uint32_t *page = l->page, bit = 1u << (vector % 32), word = (vector / 32) * 4;
    page[APIC_TMR0 / 4 + word] &= ~bit;
    page[APIC_ISR0 / 4 + word] |= bit;
    page[APIC_PPR / 4] = vector & 0xf0u;
    l->isr_words |= (uint8_t)(1u << (vector / 32));    /* last: a byte store aliases the page */
}

/* Is `vector` level-triggered (its TMR bit, set when it was accepted)?
 * After a VLAPIC_EOI the caller asks this of *eoi_vector to know whether
 * the I/O APIC wants the EOI too (SDM "Signaling Interrupt Servicing
 * Completion"). */
bool vlapic_level_triggered(const struct vlapic *l, uint8_t vector);

/* An EOI (what a write to the EOI register does): the highest ISR bit
 * cleared, PPR updated; returns that vector, or -1 if none was set. */
int vlapic_eoi(struct vlapic *l);

/* The PPR from TPR and the highest ISR vector. */
uint32_t vlapic_ppr(const struct vlapic *l);

/* vlapic_eoi for the emulated APIC's every EOI, inline for the x2APIC
 * EOI exit (vmx/vapic.c): the ISR summary names the word that holds the
 * highest in-service vector. Anything else (virtual-interrupt delivery,
 * nothing in service, a summary out of step) is vlapic_eoi's. */
static inline __attribute__((always_inline)) int vlapic_eoi_summary(struct vlapic *l)
{
    unsigned s = l->isr_words;
    if (l->virtualized || !s)
        return vlapic_eoi(l);
    unsigned i = (unsigned)__builtin_clz(s) ^ 31;      /* BSR */
    uint32_t *w = &l->page[APIC_ISR0 / 4 + i * 4], word = *w;
    if (!word)
        return vlapic_eoi(l);
    unsigned b = (unsigned)__builtin_clz(word) ^ 31;
    word &= ~(1u << b);
    *w = word;
    if (!word) {
        s &= ~(1u << i);
        l->isr_words = (uint8_t)s;
    }
    /* Nothing else in service: the PPR is the TPR (SDM "Processor
     * Priority Register (PPR)"). */
    l->page[APIC_PPR / 4] = s ? vlapic_ppr(l) : l->page[APIC_TPR / 4] & 0xff;
    return (int)(i * 32 + b);
}

/* A write of the timer's initial count (TMICT), as the register write
 * does it: starts (0: stops) the count unless in TSC-deadline mode. */
void vlapic_write_initial_count(struct vlapic *l, uint32_t val, uint64_t now);

/* The TPR (bits 7:0), as MOV to CR8 sets it; PPR follows. */
void vlapic_set_tpr(struct vlapic *l, uint32_t tpr);


/* Does this APIC accept `dest` in physical or logical (flat or cluster
 * in xAPIC; x2APIC cluster) mode? Broadcast 0xff (xAPIC) / 0xffffffff
 * (x2APIC) matches every APIC. SDM "Determining IPI Destination". */
bool vlapic_match_dest(const struct vlapic *l, uint32_t dest, bool logical);

/* The timer: `now` is the guest's TSC. vlapic_timer_due reports whether
 * the timer has expired at `now`. vlapic_timer_expire re-arms a periodic
 * timer from its last deadline (no drift), stops the others, and returns
 * the LVT timer vector to raise (-1: not due, or masked); the caller
 * accepts it. vlapic_timer_fire does both: it returns true if an
 * interrupt was accepted into IRR. */
static inline bool vlapic_timer_due(const struct vlapic *l, uint64_t now)
{
    return l->timer_deadline && now >= l->timer_deadline;     /* inline: on every timer exit */
}
int vlapic_timer_expire(struct vlapic *l, uint64_t now);
bool vlapic_timer_fire(struct vlapic *l, uint64_t now);

/* Pure arithmetic, exposed for tests: the divide configuration register
 * value (bits 0,1,3) to the divisor 1..128; and the current count at `now`. */
uint32_t vlapic_divisor(uint32_t tdcr);
uint32_t vlapic_current_count(const struct vlapic *l, uint64_t now);

#endif
