# Keel — one non-recursive Makefile for the hypervisor, its ISO, and tests.
# `make help` lists every target and variable.

CROSS_COMPILE ?=
CC      := $(CROSS_COMPILE)gcc
LD      := $(CROSS_COMPILE)ld
NASM    ?= nasm
HOSTCC  ?= gcc
BUILD   ?= build

# Run and test settings, passed through to scripts/run.sh. EMU=auto runs
# Keel nested under QEMU/KVM where /dev/kvm and the CPU's vmx flag allow it,
# else in Bochs; EMU=kvm insists on KVM (and says how to enable it).
EMU     ?= auto
CPUS    ?= 1
MEM     ?= 256
CMDLINE ?=
TIMEOUT ?= 120
UEFI    ?= 0
# Guests for 'make run': names of guests/*.asm (their "; module:" line
# gives the command line). GUESTS= runs Keel with none.
GUESTS  ?= exits64 real16 prot32
# Your own Multiboot kernel for 'make run', as QEMU's -kernel, -append and
# -initrd take one (docs/guests.md, "Run your own kernel"): it runs instead
# of the test guests (unless GUESTS is given too), with CPUS vCPUs.
KERNEL  ?=
APPEND  ?=
MODULES ?=
KERNEL_OPTIONS ?=
BARE    ?= 0
ifneq ($(KERNEL),)
ifeq ($(origin GUESTS),file)
GUESTS  :=
endif
endif
# GUEST=linux: 'make run' boots a Linux guest instead (docs/linux.md): Debian's
# cloud kernel and a busybox initramfs that scripts/linux.sh fetches into
# build/linux/, or LINUX_KERNEL and LINUX_INITRD of your own, with CPUS
# vCPUs, LINUX_MEM MiB and LINUX_APPEND as its command line, and the
# console's input focus on it.
GUEST   ?=
LINUX_KERNEL ?= $(BUILD)/linux/vmlinuz
LINUX_INITRD ?= $(BUILD)/linux/initramfs.cpio.gz
LINUX_MEM    ?= 256
LINUX_APPEND ?= console=ttyS0 panic=-1
ifeq ($(GUEST),linux)
ifeq ($(origin GUESTS),file)
GUESTS  :=
endif
ifeq ($(origin MEM),file)
MEM     := $(shell echo $$(($(LINUX_MEM) + 256)))
endif
endif
# Through the environment, so that their quotes reach scripts/run.sh intact.
export LINUX_APPEND
export APPEND MODULES KERNEL_OPTIONS

# V=1 shows every command.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

GUEST_SRC  := $(wildcard guests/*.asm)
GUEST_BINS := $(patsubst guests/%.asm,$(BUILD)/guests/%.bin,$(GUEST_SRC))

# Multiboot test kernels (guests/multiboot/*.asm): ordinary kernels for
# QEMU's PC machine. Each says how it is built on a "; format:" line:
# elf32 or elf64 (nasm, then ld with guests/multiboot/kernel.ld, into
# NAME.elf) or bin (nasm -f bin, a kernel placed by its Multiboot header's
# address fields, into NAME.bin).
MB_SRC     := $(wildcard guests/multiboot/*.asm)
mb_format   = $(shell sed -n 's/^; format: //p' $(1) | head -n 1)
MB_KERNELS := $(foreach f,$(MB_SRC),$(BUILD)/guests/$(basename $(notdir $(f))).$(if \
                $(filter bin,$(call mb_format,$(f))),bin,elf))

# ---------------------------------------------------------------- kernel
KERNEL_DIRS := $(shell find arch kernel drivers vmx -type d)
KERNEL_C    := $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.c))
KERNEL_ASM  := $(wildcard boot/*.asm) $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.asm))
KERNEL_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(KERNEL_C)) \
               $(patsubst %.asm,$(BUILD)/obj/%.asm.o,$(KERNEL_ASM))

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wundef -Wvla
# -mpreferred-stack-boundary=3: no SSE, so nothing needs the stack 16-byte
# aligned (Linux builds x86-64 the same way), and a function that calls
# another needs no `sub $8, %rsp` for it (the exit path is one).
KERNEL_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -I. \
    -ffreestanding -fno-builtin -nostdlib -fno-stack-protector -fno-pic -fno-pie \
    -mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx -mno-80387 -mpreferred-stack-boundary=3 \
    -mcmodel=small -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
    -fno-strict-aliasing -fno-tree-loop-distribute-patterns -DKEEL_VERSION='"$(VERSION)"' -MMD -MP
KERNEL_LDFLAGS := -nostdlib -n -z max-page-size=0x1000 --no-dynamic-linker \
    -T boot/keel.ld
NASMFLAGS := -f elf64 -g -F dwarf -I. -I$(BUILD)/gen/ -MD

# Constants the assembly uses, generated from the C definitions
# (boot/asm_consts.c): struct offsets, VMCS encodings, CR bits, hypercalls.
GEN_INC := $(BUILD)/gen/asm_consts.inc

all: $(BUILD)/keel.elf $(GUEST_BINS) $(MB_KERNELS)

# The VM-exit path: every instruction counts (docs/benchmark.md), so no
# frame pointers there; a backtrace through it loses those frames only.
EXIT_PATH_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard vmx/exit*.c vmx/event.c vmx/vapic.c vmx/mmio.c \
                 vmx/insn_decode.c vmx/guest_walk.c vmx/dev/*.c))
$(EXIT_PATH_OBJ): KERNEL_CFLAGS += -fomit-frame-pointer

$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/gen/asm_consts.s: boot/asm_consts.c Makefile
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)$(CC) $(KERNEL_CFLAGS) -S $< -o $@

$(GEN_INC): $(BUILD)/gen/asm_consts.s
	$(Q)sed -n 's/.*->\([A-Za-z0-9_]*\) \$$\{0,1\}\([0-9-]*\).*/\1 equ \2/p' $< > $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/obj/%.asm.o: %.asm Makefile $(GEN_INC)
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(NASM) $(NASMFLAGS) $(@:.o=.d) $< -o $@

$(BUILD)/keel.elf: $(KERNEL_OBJ) boot/keel.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJ)

# ---------------------------------------------------------------- guests
$(BUILD)/guests/%.bin: guests/%.asm $(wildcard guests/lib/*.inc guests/hostile/*.inc) Makefile $(GEN_INC)
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(NASM) -f bin -I. -I$(BUILD)/gen/ -o $@ $<

$(BUILD)/guests/%.elf: guests/multiboot/%.asm $(wildcard guests/multiboot/*.inc) guests/multiboot/kernel.ld Makefile
	@mkdir -p $(dir $@) $(BUILD)/obj/guests/multiboot
	$(call say,NASM,$<)
	$(Q)$(NASM) -f $(call mb_format,$<) -I. -o $(BUILD)/obj/guests/multiboot/$*.o $<
	$(call say,LD,$@)
	$(Q)$(LD) -m $(if $(filter elf64,$(call mb_format,$<)),elf_x86_64,elf_i386) -nostdlib \
	    -z max-page-size=0x1000 -T guests/multiboot/kernel.ld -o $@ $(BUILD)/obj/guests/multiboot/$*.o

$(BUILD)/guests/%.bin: guests/multiboot/%.asm $(wildcard guests/multiboot/*.inc) Makefile
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(NASM) -f bin -I. -o $@ $<

guests: $(GUEST_BINS) $(MB_KERNELS)

# ---------------------------------------------------------------- ISO
$(BUILD)/keel.iso: $(BUILD)/keel.elf $(GUEST_BINS) scripts/mkiso.sh FORCE
	$(call say,ISO,$@)
	$(Q)scripts/mkiso.sh $(foreach g,$(GUESTS),--guest $(g)) $@ $(BUILD)/keel.elf "$(CMDLINE)"

iso: $(BUILD)/keel.iso

# ---------------------------------------------------------------- host unit tests
UNIT_CFLAGS := -std=gnu11 -O1 -g $(WARNINGS) -Wno-missing-prototypes -I. \
    -DKEEL_HOST_TEST -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer -MMD -MP
# Each unit test links the pure kernel sources it tests (listed in the test
# file's first line: "// unit: kernel/mb2.c kernel/lib/fmt.c").
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))

# A test links Keel sources too (its "// unit:" line): it depends on them.
$(BUILD)/unit/%: tests/unit/%.c tests/unit/unit.h $(KERNEL_C) Makefile
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -o $@ $< $(shell sed -n '1s|^// unit: ||p' $<)

unit: $(UNIT_TESTS)

# ---------------------------------------------------------------- entry points
deps:
	scripts/setup.sh

run: deps all $(if $(filter linux,$(GUEST)),linux)
	scripts/run.sh $(if $(filter 1,$(BARE)),--emu qemu --bare,--emu $(EMU)) --cpus $(CPUS) \
	    --mem $(MEM) --timeout $(TIMEOUT) --cmdline "$(if $(filter linux,$(GUEST)),focus=linux )$(CMDLINE)" \
	    $(if $(filter 1,$(UEFI)),--uefi) $$([ -t 0 ] && echo --interactive) \
	    $(foreach g,$(GUESTS),--guest $(g)) \
	    $(if $(filter linux,$(GUEST)),--module "$(LINUX_KERNEL)=name=linux mem=$(LINUX_MEM) cpus=$(CPUS) -- $$LINUX_APPEND" \
	        --module "$(LINUX_INITRD)=for=linux") \
	    $(if $(KERNEL),--kernel "$(KERNEL)" --append "$$APPEND" --initrd "$$MODULES" \
	        --kernel-options "$(if $(findstring cpus=,$(KERNEL_OPTIONS)),,cpus=$(CPUS) )$$KERNEL_OPTIONS")

# Debian's kernel and busybox, fetched once (apt-get download), and the
# initramfs: build/linux/ (scripts/linux.sh).
linux:
	scripts/linux.sh

test: deps all unit linux
	tests/run.sh

# Install for GRUB (docs/hardware.md): /boot/keel.elf, the GUESTS under
# /boot/keel/guests, /etc/grub.d/25_keel, /etc/default/keel and
# PREFIX/sbin/keel-try, under DESTDIR; then update-grub when DESTDIR is empty.
DESTDIR ?=
PREFIX  ?= /usr/local
install: all
	scripts/install.sh install --destdir "$(DESTDIR)" --prefix "$(PREFIX)" --guests "$(GUESTS)"

uninstall:
	scripts/install.sh uninstall --destdir "$(DESTDIR)" --prefix "$(PREFIX)"

bench: deps all
	scripts/bench.sh

# Debian's generic kernel (linux-image-amd64) under Keel in Bochs, to its
# shell and back: tests/linux-generic/, a few minutes, so not in 'test'.
test-linux-generic: deps all
	scripts/linux.sh
	scripts/linux.sh --generic
	TEST_DIR=tests/linux-generic tests/run.sh
.PHONY: test-linux-generic

soak: deps all
	scripts/soak.sh

# FUZZ_TIME seconds for each libFuzzer harness (tests/fuzz/); FUZZ=name
# for one of them.
FUZZ_TIME ?= 60
fuzz: deps
	scripts/fuzz.sh --time $(FUZZ_TIME) $(FUZZ)

clean:
	rm -rf $(BUILD)

help:
	@echo "Keel $(VERSION) — make targets:"
	@echo "  all (default)  build $(BUILD)/keel.elf (Multiboot2 ELF64)"
	@echo "  iso            build $(BUILD)/keel.iso (GRUB, BIOS + UEFI, serial console) with"
	@echo "                 CMDLINE and GUESTS"
	@echo "  run            boot the ISO in an emulator, serial console on this terminal,"
	@echo "                 keys to it (Ctrl-A x3: monitor/guests, Ctrl-]: stop; docs/console.md);"
	@echo "                 ends by itself when Keel powers off (or after TIMEOUT s when not"
	@echo "                 on a terminal); KERNEL=: your own Multiboot kernel as Keel's"
	@echo "                 guest; GUEST=linux: a Linux guest at its shell (docs/linux.md)"
	@echo "  linux          fetch Debian's kernel and busybox (apt-get download), build the"
	@echo "                 initramfs: $(BUILD)/linux/ (scripts/linux.sh)"
	@echo "  test           host unit tests (ASan/UBSan) + emulator boots checked line by"
	@echo "                 line; ends with 'N passed, N failed'"
	@echo "  guests         build the test guests ($(BUILD)/guests/*.bin) and the Multiboot"
	@echo "                 test kernels (guests/multiboot/ -> $(BUILD)/guests/*.elf)"
	@echo "  bench          exit-cost benchmark in Bochs: table, and $(BUILD)/bench.json; then"
	@echo "                 Linux's boot to /init under Keel and bare (BENCH_LINUX=0: not)"
	@echo "  test-linux-generic  Debian's generic kernel under Keel in Bochs: /init, a typed"
	@echo "                 command, poweroff (tests/linux-generic/; a few minutes)"
	@echo "  soak           10 million mixed exits and interrupts on 2 CPUs in Bochs; checks"
	@echo "                 the exit counts add up, guest state held, Keel's memory steady"
	@echo "  install        put Keel, GUESTS and its GRUB entries (/etc/grub.d/25_keel,"
	@echo "                 /etc/default/keel) in place, and keel-try; update-grub"
	@echo "  uninstall      remove what install put there; update-grub"
	@echo "  fuzz           run each libFuzzer harness (tests/fuzz/) for FUZZ_TIME s"
	@echo "  unit           build the host unit tests only"
	@echo "  deps           install missing packages with apt-get (scripts/setup.sh)"
	@echo "  clean          remove $(BUILD)/"
	@echo "  help           this text"
	@echo "Variables:"
	@echo "  EMU=auto|kvm|bochs|qemu  emulator for 'run' (now: $(EMU)): kvm is QEMU nested under"
	@echo "                       KVM (-cpu host,+vmx; says how to enable nested VMX if it"
	@echo "                       cannot), bochs emulates VMX, qemu is TCG (no VMX); auto: kvm"
	@echo "                       when /dev/kvm and the vmx CPU flag are there, else bochs"
	@echo "  CPUS=N               emulated CPUs (now: $(CPUS)); with KERNEL, its vCPUs too"
	@echo "  MEM=MiB              emulated RAM (now: $(MEM))"
	@echo "  CMDLINE='...'        Keel command line (docs/options.md), e.g. 'loglvl=debug'"
	@echo "  UEFI=1               with EMU=qemu or kvm: boot through OVMF (UEFI GRUB)"
	@echo "  GUESTS='a b'         guests/*.asm to run as GRUB modules (now: $(GUESTS))"
	@echo "  KERNEL=file.elf      'run': your Multiboot (v1 or v2) kernel as a guest of Keel,"
	@echo "                       as QEMU's -kernel boots it (docs/guests.md, \"Run your own"
	@echo "                       kernel\"); the test guests then run only if GUESTS is given"
	@echo "  APPEND='...'         with KERNEL: its command line, exactly (QEMU's -append)"
	@echo "  MODULES='f a,g b'    with KERNEL: its modules, each a file and its string,"
	@echo "                       comma-separated (QEMU's -initrd)"
	@echo "  KERNEL_OPTIONS='...' with KERNEL: Keel's options for it (docs/guests.md), e.g."
	@echo "                       'name=os mem=512 time=60'; name= defaults to the file's name"
	@echo "  BARE=1               with KERNEL: no Keel; QEMU runs the kernel itself, to compare"
	@echo "  GUEST=linux          'run': Linux as Keel's guest, CPUS vCPUs, input focus on it"
	@echo "  LINUX_KERNEL=, LINUX_INITRD=  with GUEST=linux: your bzImage and initramfs"
	@echo "                       (now: $(LINUX_KERNEL), $(LINUX_INITRD))"
	@echo "  LINUX_APPEND='...'   with GUEST=linux: its command line (now: $(LINUX_APPEND))"
	@echo "  LINUX_MEM=MiB        with GUEST=linux: its RAM (now: $(LINUX_MEM); MEM then +256)"
	@echo "  TIMEOUT=s            'run' gives up after this many seconds (now: $(TIMEOUT))"
	@echo "  TESTS='pattern'      'test' runs only integration tests whose name matches"
	@echo "  FUZZ_TIME=s          'fuzz': seconds per harness (now: $(FUZZ_TIME)); 'test' runs"
	@echo "                       each for 20 s (FUZZ_TIME=0 make test: none)"
	@echo "  FUZZ=name            'fuzz': only tests/fuzz/fuzz_NAME.c"
	@echo "  TEST_JOBS=n          'test': integration tests at once (2: never more than"
	@echo "                       two emulators); FUZZ_JOBS=n the same for the harnesses"
	@echo "  DESTDIR=dir          'install'/'uninstall': a staging root (GRUB not updated)"
	@echo "  PREFIX=dir           'install': where sbin/keel-try goes (now: $(PREFIX))"
	@echo "  CROSS_COMPILE=pfx    toolchain prefix, e.g. x86_64-elf-"
	@echo "  BUILD=dir            output directory (now: $(BUILD))"
	@echo "  NASM=, HOSTCC=       assembler and host compiler for unit tests"
	@echo "  V=1                  show every build command"

FORCE:
.PHONY: all iso guests unit deps run test linux install uninstall bench soak fuzz clean help FORCE

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
