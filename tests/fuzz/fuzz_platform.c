// fuzz: vmx/dev/rtc.c vmx/dev/hpet.c vmx/dev/acpi_pm_regs.c vmx/dev/platform_ports.c
/* libFuzzer harness for the small platform device models a Linux guest
 * drives with its port and MMIO accesses: the MC146818 RTC, the HPET, the
 * ACPI PM1 registers and the PCI configuration window. The input is a
 * program of guest accesses at any register, size and value, with time
 * moving forward between them. After each, the models' invariants:
 *   - RTC: register C's low bits clear, IRQF set when an enabled flag is,
 *     the next event never in the past;
 *   - HPET: the main counter never goes backwards while enabled, reads
 *     back what was written while halted, capabilities read as the chip's;
 *   - PM1: SCI_EN always set, SLP_EN never kept (it is write-only);
 *   - PCI: only 00:00.0 answers.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -DKEEL_HOST_TEST \
 *       tests/fuzz/fuzz_platform.c vmx/dev/rtc.c vmx/dev/hpet.c \
 *       vmx/dev/acpi_pm_regs.c vmx/dev/platform_ports.c -o fp && ./fp */
#include <stdint.h>
#include <string.h>

#include "vmx/dev/acpi_pm.h"
#include "vmx/dev/devices.h"
#include "vmx/dev/hpet.h"
#include "vmx/dev/rtc.h"

#define FUZZ_NAME "platform"
#include "fuzz.h"

#define TSC_HZ 100000000ull     /* Bochs' */

static struct vrtc rtc;
static struct vhpet hpet;
static struct acpi_pm1 pm1;

static void check_rtc(uint64_t now)
{
    uint8_t c = rtc.c;
    uint8_t enabled = (uint8_t)(c & rtc.b & (RTC_C_PF | RTC_C_AF | RTC_C_UF));
    ASSERT(!(c & 0x0f));
    if (enabled)
        ASSERT(c & RTC_C_IRQF);
    uint64_t next = vrtc_next_event(&rtc, now);
    ASSERT(next == 0 || next >= now || next == UINT64_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    uint64_t now = take(&in, 4);
    vrtc_reset(&rtc, (int64_t)(take(&in, 5) % 8000000000ull), now);
    vhpet_reset(&hpet);
    acpi_pm1_reset(&pm1);
    uint64_t last_counter = 0;
    bool counter_seen = false;
    while (in.n) {
        uint8_t op = (uint8_t)take(&in, 1);
        now += take(&in, 2) * (op & 0x80 ? 1000 : 1);      /* time goes on */
        uint64_t hnow = hpet_ticks(now, TSC_HZ);
        switch (op & 7) {
        case 0:         /* RTC index or data write */
            vrtc_write(&rtc, (unsigned)take(&in, 1) & 1, (uint8_t)take(&in, 1), now);
            break;
        case 1:         /* RTC read */
            (void)vrtc_read(&rtc, (unsigned)take(&in, 1) & 1, now);
            break;
        case 2:
            (void)vrtc_update(&rtc, now);
            break;
        case 3: {       /* HPET write */
            unsigned off = (unsigned)take(&in, 2) & 0x3ff, sz = 1u << (take(&in, 1) & 3);
            vhpet_write(&hpet, off, sz, take(&in, 8), hnow);
            counter_seen = false;
            break;
        }
        case 4: {       /* HPET read */
            unsigned off = (unsigned)take(&in, 2) & 0x3ff, sz = 1u << (take(&in, 1) & 3);
            (void)vhpet_read(&hpet, off, sz, hnow);
            ASSERT(vhpet_read(&hpet, HPET_CAP, 4, hnow) == HPET_ID_LOW);
            uint64_t counter = vhpet_read(&hpet, HPET_COUNTER, 8, hnow);
            if (hpet.config & HPET_CFG_ENABLE) {
                if (counter_seen)
                    ASSERT(counter - last_counter < (1ull << 63));     /* forward, mod 2^64 */
                last_counter = counter;
                counter_seen = true;
            } else {
                ASSERT(counter == hpet.stopped);
                counter_seen = false;
            }
            break;
        }
        case 5: {       /* PM1 */
            unsigned off = (unsigned)take(&in, 1) & 7;
            (void)acpi_pm1_write(&pm1, off, (uint8_t)take(&in, 1));
            (void)acpi_pm1_read(&pm1, off);
            ASSERT(pm1.cnt & PM1_CNT_SCI_EN);
            ASSERT(!(pm1.cnt & PM1_CNT_SLP_EN));      /* SLP_EN is write-only */
            break;
        }
        default: {      /* PCI configuration */
            uint32_t address = (uint32_t)take(&in, 4);
            uint32_t v = pci_config_dword(address);
            if ((address & 0x80ffff00u) != 0x80000000u)
                ASSERT(v == 0xffffffffu);
            break;
        }
        }
        check_rtc(now);
    }
    return 0;
}
