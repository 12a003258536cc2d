/* The virtual local APIC's register logic (vlapic.h). Every register
 * access is checked against the table made from apic_regs.def; what
 * follows is the SDM's chapter "Advanced Programmable Interrupt Controller
 * (APIC)", section by section. Pure: the page, the struct, and `now`. */
#include "vmx/dev/vlapic.h"

#include <stddef.h>

#include "kernel/lib/string.h"

/* apic_regs.def's flags: the writable bits in 31:0, the kind above. */
#define REG_R       (1ull << 32)
#define REG_W       (1ull << 33)
#define XAPIC_ONLY  (1ull << 34)
#define X2APIC_ONLY (1ull << 35)
#define X2APIC_RO   (1ull << 36)
#define STATUS      (1ull << 37)
#define REMOTE_IRR  (1ull << 38)
#define RO          REG_R
#define RW(bits)    (REG_R | REG_W | (bits))
#define WO(bits)    (REG_W | (bits))

/* Indexed by offset / 16 (= MSR - 0x800); 0: reserved. */
static const uint64_t reg_flags[256] = {
#define APIC_REG(name, offset, flags) [(offset) >> 4] = (flags),
#include "vmx/dev/apic_regs.def"
#undef APIC_REG
};

static const uint32_t lvt_regs[] = {
    APIC_LVT_CMCI, APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PMC,
    APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR,
};

/* "Local APIC Version Register": an integrated APIC (0x14) with seven LVT
 * entries (max LVT entry 6, CMCI included) and no EOI-broadcast
 * suppression (bit 24 clear). */
#define VERSION_VALUE (0x14u | (6u << 16))

#define SVR_ENABLE        (1u << 8)
#define LVT_STATUS        (1u << 12)
#define LVT_REMOTE_IRR    (1u << 14)
#define LVT_MASKED        (1u << 16)
#define ICR_DEST_LOGICAL  (1u << 11)
#define ICR_LEVEL_ASSERT  (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SHORTHAND_SHIFT 18
#define ESR_SEND_ILLEGAL  (1u << 5)
#define ESR_RECV_ILLEGAL  (1u << 6)
#define ESR_ILLEGAL_REG   (1u << 7)

/* In x2APIC mode ICR bits 63:32 (the destination) live at 0x304, where
 * the CPU's APIC virtualization keeps the 64-bit MSR (SDM "Virtualizing
 * MSR-Based APIC Accesses": MSR 0x830 is the 8 bytes at offset 0x300). */
#define X2APIC_ICR_DEST (APIC_ICR_LOW + 4)

/* IA32_APIC_BASE bits at and above MAXPHYADDR are reserved. Keel assumes
 * the guest's MAXPHYADDR is 39 (a base below 512 GiB; every OS keeps it at
 * 0xfee00000). */
#define VLAPIC_MAXPHYADDR 39

/* The timer's arithmetic is exact up to this many TSC units a tick:
 * count * tick * divisor < 2^63. A larger tsc_per_tick is clamped. */
#define TSC_PER_TICK_MAX (1u << 24)

static inline __attribute__((always_inline)) uint32_t get(const struct vlapic *l, uint32_t off)
{
    return l->page[off / 4];
}

static inline __attribute__((always_inline)) void set(struct vlapic *l, uint32_t off, uint32_t val)
{
    l->page[off / 4] = val;
}

/* IRR, ISR and TMR: vector v is bit v % 32 of the register at
 * base + (v / 32) * 16. */
static inline __attribute__((always_inline)) uint32_t *vec_word(const struct vlapic *l, uint32_t base, unsigned v)
{
    return &l->page[(base + (v / 32) * 0x10) / 4];
}

static inline __attribute__((always_inline)) bool vec_test(const struct vlapic *l, uint32_t base, unsigned v)
{
    return (*vec_word(l, base, v) >> (v % 32)) & 1;
}

/* Which of the 8 IRR (ISR) words hold a bit: kept so that the highest
 * vector is found without a scan, on the emulated path's every exit.
 * With APIC virtualization the CPU changes IRR and ISR too, and the
 * summaries are not used. */
static inline __attribute__((always_inline)) uint8_t *summary(struct vlapic *l, uint32_t base)
{
    return base == APIC_IRR0 ? &l->irr_words : base == APIC_ISR0 ? &l->isr_words : NULL;
}

static inline __attribute__((always_inline)) void vec_set(struct vlapic *l, uint32_t base, unsigned v)
{
    *vec_word(l, base, v) |= 1u << (v % 32);
    uint8_t *s = summary(l, base);
    if (s)
        *s |= (uint8_t)(1u << (v / 32));
}

static inline __attribute__((always_inline)) void vec_clear(struct vlapic *l, uint32_t base, unsigned v)
{
    uint32_t *w = vec_word(l, base, v);
    *w &= ~(1u << (v % 32));
    uint8_t *s = summary(l, base);
    if (s && !*w)
        *s &= (uint8_t)~(1u << (v / 32));
}

static inline __attribute__((always_inline)) int vec_highest(const struct vlapic *l, uint32_t base)
{
    if (!l->virtualized && (base == APIC_IRR0 || base == APIC_ISR0)) {
        unsigned s = base == APIC_IRR0 ? l->irr_words : l->isr_words;
        if (!s)
            return -1;
        int i = 31 - __builtin_clz(s);
        uint32_t w = l->page[(base + (uint32_t)i * 0x10) / 4];
        if (w)                          /* else a summary out of step: scan */
            return i * 32 + 31 - __builtin_clz(w);
    }
    for (int i = 7; i >= 0; i--) {
        uint32_t w = l->page[(base + (uint32_t)i * 0x10) / 4];
        if (w)
            return i * 32 + 31 - __builtin_clz(w);
    }
    return -1;
}

bool vlapic_level_triggered(const struct vlapic *l, uint8_t vector)
{
    return vec_test(l, APIC_TMR0, vector);
}

/* ---------------------------------------------------------------- priority */

/* SDM "Processor Priority Register (PPR)". */
uint32_t vlapic_ppr(const struct vlapic *l)
{
    uint32_t tpr = get(l, APIC_TPR) & 0xff;
    int isrv = vec_highest(l, APIC_ISR0);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

static void update_ppr(struct vlapic *l)
{
    set(l, APIC_PPR, vlapic_ppr(l));
}

/* The PPR register in the page is kept current by every TPR write, ack
 * and EOI; with virtual-interrupt delivery the CPU keeps it too (PPR
 * virtualization on TPR writes, EOIs, deliveries and VM entries, SDM
 * "PPR Virtualization"). */
bool vlapic_irr_pending(const struct vlapic *l, int irr)
{
    return vlapic_enabled(l) && irr >= 0 && (uint32_t)(irr & 0xf0) > (get(l, APIC_PPR) & 0xf0);
}

int vlapic_pending(const struct vlapic *l)
{
    int v = vec_highest(l, APIC_IRR0);
    return vlapic_irr_pending(l, v) ? v : -1;
}

void vlapic_set_tpr(struct vlapic *l, uint32_t tpr)
{
    set(l, APIC_TPR, tpr & 0xff);
    update_ppr(l);
}

int vlapic_highest_irr(const struct vlapic *l)
{
    return vec_highest(l, APIC_IRR0);
}

int vlapic_highest_isr(const struct vlapic *l)
{
    return vec_highest(l, APIC_ISR0);
}

void vlapic_ack(struct vlapic *l, uint8_t vector)
{
    vec_clear(l, APIC_IRR0, vector);
    vec_set(l, APIC_ISR0, vector);
    /* The vector came from vlapic_pending: its class is above the PPR's,
     * so it is now the highest in service, and the PPR is the higher of
     * the TPR and its class. */
    uint32_t tpr = get(l, APIC_TPR) & 0xff, isrv = vector & 0xf0u;
    set(l, APIC_PPR, (tpr & 0xf0) >= isrv ? tpr : isrv);
}

/* SDM "End-of-Interrupt (EOI)": the highest ISR bit is the interrupt
 * being serviced. Its TMR bit stays (it says the vector was level-
 * triggered until the next acceptance rewrites it): the caller reads it
 * to decide whether the I/O APIC gets the EOI. */
int vlapic_eoi(struct vlapic *l)
{
    int v = vec_highest(l, APIC_ISR0);
    if (v >= 0) {
        vec_clear(l, APIC_ISR0, (unsigned)v);
        update_ppr(l);
    }
    return v;
}

/* ---------------------------------------------------------------- errors, acceptance */

/* SDM "Error Handling": an error is latched into the ESR by the next ESR
 * write, and raises the LVT error interrupt unless that is masked. An
 * illegal vector in the LVT error entry is itself an error, recorded but
 * not signalled again. */
static void set_error(struct vlapic *l, uint32_t bits)
{
    uint32_t lvt = get(l, APIC_LVT_ERROR);
    l->errors_pending |= bits;
    if ((lvt & LVT_MASKED) || !vlapic_enabled(l))
        return;
    if ((lvt & 0xff) < 16) {
        l->errors_pending |= ESR_RECV_ILLEGAL;
        return;
    }
    vec_set(l, APIC_IRR0, lvt & 0xff);
    vec_clear(l, APIC_TMR0, lvt & 0xff);
}

/* SDM "Interrupt Acceptance for Fixed Interrupts"; vectors 0-15 are never
 * set in IRR ("Error Handling", receive illegal vector). */
bool vlapic_accept(struct vlapic *l, uint8_t vector, bool level)
{
    if (!vlapic_enabled(l))
        return false;
    if (vector < 16) {
        set_error(l, ESR_RECV_ILLEGAL);
        return false;
    }
    vec_set(l, APIC_IRR0, vector);
    if (level)
        vec_set(l, APIC_TMR0, vector);
    else
        vec_clear(l, APIC_TMR0, vector);
    return true;
}

/* ---------------------------------------------------------------- destination */

/* SDM "Determining IPI Destination": physical, logical flat (DFR model
 * 0xf) and cluster (model 0) in xAPIC mode; in x2APIC mode the logical ID
 * is cluster (31:16) and a bit in it (15:0), "Logical Destination Mode in
 * x2APIC Mode". Other DFR models are reserved and match nothing. */
bool vlapic_match_dest(const struct vlapic *l, uint32_t dest, bool logical)
{
    uint32_t ldr = get(l, APIC_LDR);
    if (vlapic_x2apic_mode(l)) {
        if (dest == 0xffffffff)
            return true;
        if (!logical)
            return dest == l->id;
        return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
    }
    if (dest == 0xff)
        return true;
    if (!logical)
        return dest == (l->id & 0xff);
    uint32_t mda = dest & 0xff, lid = ldr >> 24;
    switch (get(l, APIC_DFR) >> 28) {
    case 0xf:
        return (mda & lid) != 0;
    case 0x0:
        return (mda >> 4) == (lid >> 4) && (mda & lid & 0xf);
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- timer */

static unsigned timer_mode(const struct vlapic *l)
{
    return (get(l, APIC_LVT_TIMER) >> 17) & 3;
}

/* SDM "Divide Configuration Register": bits 3,1,0 = 000 divides by 2,
 * 001 by 4, ... 110 by 128, 111 by 1. */
uint32_t vlapic_divisor(uint32_t tdcr)
{
    uint32_t code = (tdcr & 3) | ((tdcr >> 1) & 4);
    return code == 7 ? 1 : 2u << code;
}

/* TSC units per count of the timer. */
static uint64_t tick_tsc(const struct vlapic *l)
{
    uint64_t t = l->tsc_per_tick;
    if (t == 0)
        t = 1;
    if (t > TSC_PER_TICK_MAX)
        t = TSC_PER_TICK_MAX;
    return t * vlapic_divisor(get(l, APIC_TIMER_DIVIDE));
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

/* Start counting down from `count` at `now` (0: stop). A deadline that
 * would overflow is at the end of time. */
static void timer_load(struct vlapic *l, uint32_t count, uint64_t now)
{
    uint64_t wait = count * tick_tsc(l);
    if (timer_mode(l) == APIC_TIMER_PERIODIC && wait < l->min_period)
        wait = l->min_period;
    l->timer_start = now;
    l->timer_count = count;
    l->timer_deadline = count ? add_sat(now, wait) : 0;
}

static void timer_disarm(struct vlapic *l)
{
    l->timer_deadline = 0;
    l->timer_count = 0;
    l->tsc_deadline_msr = 0;
}

/* SDM "APIC Timer". Time before timer_start (a guest TSC moved back)
 * counts as none. A periodic count whose reload has not been fired yet
 * goes on from the initial count, as the hardware's would. */
uint32_t vlapic_current_count(const struct vlapic *l, uint64_t now)
{
    unsigned mode = timer_mode(l);
    if (mode == APIC_TIMER_TSC_DEADLINE || !l->timer_deadline)
        return 0;
    uint64_t ticks = now > l->timer_start ? (now - l->timer_start) / tick_tsc(l) : 0;
    if (ticks < l->timer_count)
        return l->timer_count - (uint32_t)ticks;
    uint32_t initial = get(l, APIC_TIMER_INITIAL);
    if (mode != APIC_TIMER_PERIODIC || !initial)
        return 0;
    return initial - (uint32_t)((ticks - l->timer_count) % initial);
}

/* One interrupt per call, however many periods passed: the missed ones
 * are skipped, and the next deadline is a whole number of periods after
 * the last, so the timer does not drift with the caller's lateness. */
int vlapic_timer_expire(struct vlapic *l, uint64_t now)
{
    if (!vlapic_timer_due(l, now))
        return -1;
    uint32_t lvt = get(l, APIC_LVT_TIMER);
    uint32_t initial = get(l, APIC_TIMER_INITIAL);
    unsigned mode = timer_mode(l);
    if (mode == APIC_TIMER_PERIODIC && initial) {
        uint64_t period = initial * tick_tsc(l);
        if (period < l->min_period)
            period = l->min_period;
        uint64_t periods = (now - l->timer_deadline) / period + 1;
        uint64_t next = periods > UINT64_MAX / period
                            ? UINT64_MAX : add_sat(l->timer_deadline, periods * period);
        l->timer_start = next - period;
        l->timer_count = initial;
        l->timer_deadline = next;
    } else {
        /* One-shot stops at 0; TSC-deadline disarms and clears the MSR
         * (SDM "TSC-Deadline Mode"). Mode 3 is reserved: one-shot. */
        l->timer_deadline = 0;
        if (mode == APIC_TIMER_TSC_DEADLINE)
            l->tsc_deadline_msr = 0;
    }
    return lvt & LVT_MASKED ? -1 : (int)(lvt & 0xff);
}

bool vlapic_timer_fire(struct vlapic *l, uint64_t now)
{
    int vector = vlapic_timer_expire(l, now);
    return vector >= 0 && vlapic_accept(l, (uint8_t)vector, false);
}

uint64_t vlapic_tsc_deadline_read(const struct vlapic *l)
{
    return timer_mode(l) == APIC_TIMER_TSC_DEADLINE ? l->tsc_deadline_msr : 0;
}

/* SDM "TSC-Deadline Mode": ignored in the other modes; 0 disarms; a
 * deadline already past is due at once. */
void vlapic_tsc_deadline_write(struct vlapic *l, uint64_t val, uint64_t now)
{
    (void)now;
    if (timer_mode(l) != APIC_TIMER_TSC_DEADLINE)
        return;
    l->tsc_deadline_msr = val;
    l->timer_deadline = val;
}

/* "A write to the LVT Timer Register that changes the timer mode disarms
 * the local APIC timer" (SDM "TSC-Deadline Mode"); TMICT keeps its value. */
static void write_lvt_timer(struct vlapic *l, uint32_t val)
{
    unsigned old = timer_mode(l);
    set(l, APIC_LVT_TIMER, val);
    if (timer_mode(l) != old)
        timer_disarm(l);
}

/* TMICT starts (or, with 0, stops) the count; ignored in TSC-deadline
 * mode. */
void vlapic_write_initial_count(struct vlapic *l, uint32_t val, uint64_t now)
{
    if (timer_mode(l) == APIC_TIMER_TSC_DEADLINE)
        return;
    set(l, APIC_TIMER_INITIAL, val);
    timer_load(l, val, now);
}

/* The SDM does not say what a divide change does to a running count.
 * Keel does what a prescaler would: the current count stays what the
 * guest would read now and goes on at the new rate (KVM does the same);
 * a periodic reload uses the new divisor. An expiry already due is left
 * to fire first. */
static void write_divide(struct vlapic *l, uint32_t val, uint64_t now)
{
    uint32_t count = vlapic_current_count(l, now);
    bool rescale = count && !vlapic_timer_due(l, now);
    set(l, APIC_TIMER_DIVIDE, val);
    if (rescale)
        timer_load(l, count, now);
}

/* ---------------------------------------------------------------- reset */

static void mask_lvts(struct vlapic *l)
{
    for (size_t i = 0; i < sizeof(lvt_regs) / sizeof(lvt_regs[0]); i++)
        set(l, lvt_regs[i], get(l, lvt_regs[i]) | LVT_MASKED);
}

/* SDM "Power-Up and Reset" / "x2APIC States": all zero but the ID (8 bits
 * at 31:24 in xAPIC layout), version, DFR all ones, SVR 0xff and the LVT
 * mask bits; the timer stopped. */
static void reset_registers(struct vlapic *l)
{
    memset(l->page, 0, 4096);
    l->irr_words = l->isr_words = 0;
    set(l, APIC_ID, (l->id & 0xff) << 24);
    set(l, APIC_VERSION, VERSION_VALUE);
    set(l, APIC_DFR, 0xffffffff);
    set(l, APIC_SVR, 0xff);
    mask_lvts(l);
    l->errors_pending = 0;
    l->timer_start = 0;
    timer_disarm(l);
}

void vlapic_reset(struct vlapic *l, uint32_t *page, uint32_t id, bool bsp, bool x2apic_allowed,
                  uint32_t tsc_per_tick)
{
    l->page = page;
    l->virtualized = false;
    l->id = id;
    l->x2apic_allowed = x2apic_allowed;
    l->tsc_per_tick = tsc_per_tick ? tsc_per_tick : 1;
    l->apic_base = APIC_BASE_ADDR_DEFAULT | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
    reset_registers(l);
}

/* SDM "State Changes From xAPIC Mode to x2APIC Mode": the ID becomes the
 * 32-bit x2APIC ID, the LDR is derived from it ("Logical Destination Mode
 * in x2APIC Mode"), and the ICR destination starts from 0. */
static void enter_x2apic(struct vlapic *l)
{
    set(l, APIC_ID, l->id);
    set(l, APIC_LDR, ((l->id >> 4) << 16) | (1u << (l->id & 0xf)));
    set(l, APIC_ICR_HIGH, 0);
    set(l, X2APIC_ICR_DEST, 0);
}

void vlapic_init_signal(struct vlapic *l)
{
    reset_registers(l);
    if (vlapic_x2apic_mode(l))
        enter_x2apic(l);
}

/* SDM "x2APIC State Transitions": disabled -> xAPIC, xAPIC -> x2APIC,
 * xAPIC or x2APIC -> disabled; not x2APIC -> xAPIC, not disabled ->
 * x2APIC, never EXTD without EN. The BSP bit is the platform's. */
enum vlapic_result vlapic_set_base(struct vlapic *l, uint64_t val)
{
    uint64_t reserved = 0xffull | (1ull << 9) | ~((1ull << VLAPIC_MAXPHYADDR) - 1);
    bool en = val & APIC_BASE_EN, extd = val & APIC_BASE_EXTD;
    bool was_en = l->apic_base & APIC_BASE_EN, was_x2 = vlapic_x2apic_mode(l);
    if ((val & reserved) || (extd && (!en || !l->x2apic_allowed)) ||
        (was_x2 && en && !extd) || (!was_en && extd))
        return VLAPIC_GP;
    l->apic_base = (val & ~APIC_BASE_BSP) | (l->apic_base & APIC_BASE_BSP);
    if (was_en && !en)
        reset_registers(l);     /* keeps l->id */
    else if (!was_x2 && extd)
        enter_x2apic(l);
    return VLAPIC_OK;
}

/* ---------------------------------------------------------------- register access */

/* SDM "Interrupt Command Register (ICR)". Fixed and lowest-priority IPIs
 * with a vector below 16 are not sent ("Error Handling", send illegal
 * vector). Which APIC a lowest-priority IPI goes to is the caller's. */
static enum vlapic_result send_ipi(struct vlapic *l, uint32_t icr, uint32_t dest,
                                   struct apic_ipi *ipi)
{
    uint8_t vector = icr & 0xff;
    uint8_t delivery = (icr >> 8) & 7;
    if ((delivery == APIC_DM_FIXED || delivery == APIC_DM_LOWEST) && vector < 16) {
        set_error(l, ESR_SEND_ILLEGAL);
        return VLAPIC_OK;
    }
    *ipi = (struct apic_ipi){
        .vector = vector,
        .delivery = delivery,
        .shorthand = (icr >> ICR_SHORTHAND_SHIFT) & 3,
        .logical = icr & ICR_DEST_LOGICAL,
        .level_assert = icr & ICR_LEVEL_ASSERT,
        .trigger_level = icr & ICR_TRIGGER_LEVEL,
        .dest = dest,
    };
    return VLAPIC_IPI;
}

/* While the APIC is software-disabled the LVT mask bits stay set (SDM
 * "Local APIC State After It Has Been Software Disabled"). */
static uint32_t lvt_value(const struct vlapic *l, uint32_t val)
{
    return get(l, APIC_SVR) & SVR_ENABLE ? val : val | LVT_MASKED;
}

static uint32_t read_reg(const struct vlapic *l, uint32_t off, uint64_t now)
{
    switch (off) {
    case APIC_PPR:
        return vlapic_ppr(l);
    case APIC_TIMER_CURRENT:
        return vlapic_current_count(l, now);
    default:
        return get(l, off);
    }
}

/* A write both modes share; `val` holds only the register's writable
 * bits. */
static enum vlapic_result write_reg(struct vlapic *l, uint32_t off, uint32_t val, uint64_t now,
                                    struct apic_ipi *ipi, int *eoi_vector)
{
    switch (off) {
    case APIC_TPR:
        set(l, off, val);
        update_ppr(l);
        break;
    case APIC_EOI: {
        int v = vlapic_eoi(l);
        if (eoi_vector)
            *eoi_vector = v;
        return VLAPIC_EOI;
    }
    case APIC_DFR:
        set(l, off, val | 0x0fffffff);
        break;
    case APIC_SVR:
        set(l, off, val);
        if (!(val & SVR_ENABLE))
            mask_lvts(l);
        break;
    case APIC_ESR:              /* SDM "Error Handling": the write latches */
        set(l, off, l->errors_pending);
        l->errors_pending = 0;
        break;
    case APIC_ICR_LOW:          /* xAPIC: the write of the low half sends */
        set(l, off, val);
        return send_ipi(l, val, get(l, APIC_ICR_HIGH) >> 24, ipi);
    case APIC_LVT_TIMER:
        write_lvt_timer(l, lvt_value(l, val));
        break;
    case APIC_LVT_CMCI:
    case APIC_LVT_THERMAL:
    case APIC_LVT_PMC:
    case APIC_LVT_LINT0:
    case APIC_LVT_LINT1:
    case APIC_LVT_ERROR:
        set(l, off, lvt_value(l, val));
        break;
    case APIC_TIMER_INITIAL:
        vlapic_write_initial_count(l, val, now);
        break;
    case APIC_TIMER_DIVIDE:
        write_divide(l, val, now);
        break;
    default:                    /* LDR, ICR_HIGH */
        set(l, off, val);
        break;
    }
    return VLAPIC_OK;
}

/* The table entry for an xAPIC access, or 0 for none. The page answers
 * only in xAPIC mode (SDM "x2APIC Register Availability"). A 16-byte
 * aligned offset that names no register sets the ESR's illegal register
 * address bit; other offsets are undefined in the SDM and ignored. */
static uint64_t mmio_access(struct vlapic *l, uint32_t offset)
{
    if (!(l->apic_base & APIC_BASE_EN) || vlapic_x2apic_mode(l) || offset >= 0x1000 ||
        offset % 16)
        return 0;
    uint64_t f = reg_flags[offset >> 4];
    if (!(f & (REG_R | REG_W)) || (f & X2APIC_ONLY)) {
        set_error(l, ESR_ILLEGAL_REG);
        return 0;
    }
    return f;
}

uint32_t vlapic_mmio_read(struct vlapic *l, uint32_t offset, uint64_t now)
{
    return mmio_access(l, offset) & REG_R ? read_reg(l, offset, now) : 0;
}

enum vlapic_result vlapic_mmio_write(struct vlapic *l, uint32_t offset, uint32_t val, uint64_t now,
                                     struct apic_ipi *ipi, int *eoi_vector)
{
    uint64_t f = mmio_access(l, offset);
    if (!(f & REG_W))
        return VLAPIC_OK;       /* read-only: dropped */
    return write_reg(l, offset, val & (uint32_t)f, now, ipi, eoi_vector);
}

/* The table entry for an x2APIC MSR, or 0 for #GP (SDM "x2APIC Register
 * Address Space": only in x2APIC mode; no DFR, APR, RRD or 0x831). */
static uint64_t msr_access(const struct vlapic *l, uint32_t msr)
{
    if (!vlapic_x2apic_mode(l) || msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
        return 0;
    uint64_t f = reg_flags[msr - MSR_X2APIC_FIRST];
    return f & XAPIC_ONLY ? 0 : f;
}

static uint32_t msr_offset(uint32_t msr)
{
    return (msr - MSR_X2APIC_FIRST) << 4;
}

enum vlapic_result vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *val)
{
    if (!(msr_access(l, msr) & REG_R))
        return VLAPIC_GP;
    uint32_t off = msr_offset(msr);
    *val = read_reg(l, off, now);
    if (off == APIC_ICR_LOW)
        *val |= (uint64_t)get(l, X2APIC_ICR_DEST) << 32;
    return VLAPIC_OK;
}

/* SDM "Reserved Bit Checking": a non-zero write to a reserved bit is #GP
 * (bits 63:32 of all but the ICR; EOI, ESR take only 0). The status bits
 * the CPU owns are read-only, not reserved, and are ignored. */
enum vlapic_result vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now,
                                    struct apic_ipi *ipi, int *eoi_vector)
{
    uint64_t f = msr_access(l, msr);
    if (!(f & REG_W) || (f & X2APIC_RO))
        return VLAPIC_GP;
    uint32_t off = msr_offset(msr);
    uint32_t writable = (uint32_t)f;
    uint32_t ignored = (f & STATUS ? LVT_STATUS : 0) | (f & REMOTE_IRR ? LVT_REMOTE_IRR : 0);
    uint64_t reserved = ~(uint64_t)(writable | ignored);
    if (off == APIC_ICR_LOW)
        reserved &= 0xffffffff;         /* 63:32: the destination */
    if (val & reserved)
        return VLAPIC_GP;
    uint32_t low = (uint32_t)val & writable;
    if (off == APIC_ICR_LOW) {
        set(l, APIC_ICR_LOW, low);
        set(l, X2APIC_ICR_DEST, (uint32_t)(val >> 32));
        return send_ipi(l, low, (uint32_t)(val >> 32), ipi);
    }
    if (off == APIC_SELF_IPI)           /* SDM "SELF IPI Register" */
        return send_ipi(l, low | ICR_LEVEL_ASSERT | (APIC_SH_SELF << ICR_SHORTHAND_SHIFT),
                        l->id, ipi);
    return write_reg(l, off, low, now, ipi, eoi_vector);
}

bool vlapic_x2apic_icr_fixed(struct vlapic *l, uint64_t val, uint32_t *dest)
{
    uint32_t low = (uint32_t)val;
    /* Delivery mode fixed (0), physical, edge, no shorthand: only the
     * vector and the level bit (ignored for fixed) may be set, and the
     * delivery status, which writes ignore. */
    if (!vlapic_x2apic_mode(l) || (low & ~(0xffu | LVT_STATUS | ICR_LEVEL_ASSERT)) ||
        (low & 0xff) < 16)
        return false;
    *dest = (uint32_t)(val >> 32);
    set(l, APIC_ICR_LOW, low & ~LVT_STATUS);
    set(l, X2APIC_ICR_DEST, *dest);
    return true;
}
