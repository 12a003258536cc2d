/* A VMCS as plain data: every field of vmx/vmcs_fields.def, set or not.
 * The start state of a vCPU is built here (pure, unit-tested for each
 * start mode), checked by vmx/entry_check.c, then written to the real
 * VMCS by vmcs_setup. */
#ifndef KEEL_VMX_VMCS_IMAGE_H
#define KEEL_VMX_VMCS_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/guest_config.h"
#include "vmx/vcpu_start.h"
#include "vmx/vmcs_config.h"
#include "vmx/vmcs_fields.h"

#define VMCS_IMAGE_FIELDS 192

struct vmcs_image {
    uint64_t val[VMCS_IMAGE_FIELDS];    /* by index in vmcs_fields[] */
    bool set[VMCS_IMAGE_FIELDS];
};

uint64_t img_get(const struct vmcs_image *img, uint32_t field);
bool img_has(const struct vmcs_image *img, uint32_t field);
void img_set(struct vmcs_image *img, uint32_t field, uint64_t v);

/* What the host state comes from: this CPU's registers and tables. */
struct vmcs_host {
    uint64_t cr0, cr3, cr4, efer, pat;
    uint64_t gdtr_base, idtr_base, tr_base, gs_base;
    uint64_t rip;                       /* vmx_exit_stub */
};

struct vmcs_start {
    const struct guest_config *guest;   /* break= */
    const struct vcpu_start *vcpu;      /* mode, registers, segments */
    const struct vmcs_config *config;
    const struct vmx_msrs *caps;        /* the CPU it will run on */
    const struct vmcs_host *host;
    uint64_t eptp, io_bitmap_a, io_bitmap_b, msr_bitmap;
    uint16_t vpid;
    uint32_t preemption_timer;          /* 0: no time budget (timer off) */
    /* APIC virtualization (apicv): the vCPU's virtual-APIC page (its
     * APIC's registers), the guest's APIC-access page; the APIC's mode. */
    bool apicv, x2apic;
    uint64_t virtual_apic_page, apic_access_page;
};

/* The APIC virtualization controls, all of them or none: does the
 * negotiated configuration have them all? */
bool vmcs_config_has_apicv(const struct vmcs_config *cfg);

/* The primary and secondary processor-based controls for a vCPU: with
 * apicv, TPR shadow and virtual-interrupt delivery, APIC-register
 * virtualization and the one of "virtualize APIC accesses" and
 * "virtualize x2APIC mode" that the APIC's mode calls for, and no CR8
 * exiting; without, none of these and CR8 exiting. */
void vmcs_apic_controls(const struct vmcs_config *cfg, bool apicv, bool x2apic, uint32_t *proc,
                        uint32_t *proc2);

/* Controls, host state and guest state for the guest's start mode. */
void vmcs_image_build(struct vmcs_image *img, const struct vmcs_start *s);

#endif
