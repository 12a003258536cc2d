#include "kernel/log.h"
#include "vmx/devices.h"

bool testdev_io(struct vcpu *v, uint16_t port, bool in, uint32_t *val, enum exit_action *act)
{
    if (port != TESTDEV_EXIT_PORT)
        return false;
    if (in) {
        *val = 0;
        return true;
    }
    struct guest *g = v->guest;
    guest_console_flush(g);
    g->state = GUEST_EXITED;
    g->exit_status = *val;
    log_info("guest %s: exit port 0x%x: exited with status %u", g->cfg.name, port, *val);
    *act = EXIT_STOP;
    return true;
}
