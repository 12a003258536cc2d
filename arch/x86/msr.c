#include "arch/x86/msr.h"

#include <stddef.h>

const char *msr_name(uint32_t msr)
{
    switch (msr) {
#define MSR(name, num) case num: return #name;
#include "arch/x86/msr.def"
#undef MSR
    }
    return NULL;
}
