#include "kernel/panic.h"
#include "arch/x86/cpu.h"
#include "drivers/poweroff.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"

#define BACKTRACE_MAX 16
#define IDENTITY_MAP_END (4ull << 30)

const char *keel_status_name(enum keel_status s)
{
    switch (s) {
    case KEEL_STATUS_OK: return "ok";
    case KEEL_STATUS_REFUSED: return "refused";
    case KEEL_STATUS_PANIC: return "panic";
    case KEEL_STATUS_GUESTS_REFUSED: return "guests refused";
    }
    return "?";
}

static const struct stop_hooks *hooks;
static void (*panic_monitor)(void);

void panic_monitor_register(void (*fn)(void))
{
    panic_monitor = fn;
}

void stop_hooks_register(const struct stop_hooks *h)
{
    hooks = h;
}

bool stop_hooks_cpu_off(void)
{
    return percpu_ready && hooks && hooks->cpu_off && hooks->cpu_off();
}

const char *stop_hooks_what(void)
{
    return hooks && hooks->what ? hooks->what : "stopped";
}

void keel_stop(enum keel_status status)
{
    cli();
    if (stop_hooks_cpu_off())
        log_info("%s", stop_hooks_what());
    smp_stop_others();
    if (status == KEEL_STATUS_PANIC && panic_monitor)
        panic_monitor();        /* until 'poweroff' or 'reboot' is typed */
    power_off(status);
}

void keel_shutdown(enum keel_status status)
{
    if (hooks && hooks->all_off)
        hooks->all_off();
    cli();
    smp_stop_others();
    power_off(status);
}

void dump_backtrace(uint64_t rbp)
{
    for (int i = 0; i < BACKTRACE_MAX && rbp; i++) {
        /* Follow the chain only through mapped, aligned memory. */
        if (rbp % 8 || rbp < 0x1000 || rbp >= IDENTITY_MAP_END - 16) {
            log_dump("backtrace stops: frame pointer 0x%llx is not a stack address",
                     (unsigned long long)rbp);
            return;
        }
        const uint64_t *frame = (const uint64_t *)rbp;
        log_dump("called from 0x%016llx", (unsigned long long)frame[1]);
        if (frame[0] <= rbp)
            return;             /* the chain must go up the stack */
        rbp = frame[0];
    }
}

void panic(const char *fmt, ...)
{
    cli();
    log_emergency = true;
    console_emergency();
    char msg[192];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    log_err("PANIC: %s", msg);
    log_dump("at 0x%016llx, RSP=0x%016llx RFLAGS=0x%llx",
             (unsigned long long)(uintptr_t)__builtin_return_address(0),
             (unsigned long long)(uintptr_t)__builtin_frame_address(0) + 16,
             (unsigned long long)read_rflags());
    log_dump("CR0=0x%llx CR2=0x%llx CR3=0x%llx CR4=0x%llx", (unsigned long long)read_cr0(),
             (unsigned long long)read_cr2(), (unsigned long long)read_cr3(),
             (unsigned long long)read_cr4());
    dump_backtrace((uint64_t)(uintptr_t)__builtin_frame_address(0));
    keel_stop(KEEL_STATUS_PANIC);
}

void boot_fail(const char *step, const char *fmt, ...)
{
    char msg[192];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    console_emergency();
    log_err("boot failed at step '%s' on cpu%u: %s", step, this_cpu_id(), msg);
    keel_stop(KEEL_STATUS_REFUSED);
}
