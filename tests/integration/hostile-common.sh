# Shared by the hostile-*.test files (issue 14, docs/security.md): the
# bystander and what every hostile boot must end with.
#
# bystander_module CPU ENTRY   the bystander (guests/hostile-bystander.asm),
#                              pinned to CPU; ENTRY picks its rounds (its
#                              first lines): 0x8030 is 8000 rounds, about
#                              90 M instructions in Bochs; 0x8040 12000,
#                              0x8050 16000, 0x8060 24000, 0x8070 32000,
#                              0x8080 48000.
#                              Bochs' serial line (115200 baud, about 8700
#                              instructions a character) paces the
#                              attackers: give the bystander about twice
#                              the characters they print (8000 rounds for
#                              5 KB)
# bystander_passes CPU         its PASS lines, its exit and its summary
#                              line, in order: put it after the expect for
#                              the last attacker's end, so that it proves
#                              the bystander outlasted every attack (the
#                              summary lists guests in module order, the
#                              bystander's module first)
# hostile_end N EXITED STOPPED [STATUS]
#                              the summary of N guests, VMXOFF on every CPU, the power-off
#                              with Keel's status (0), and no FAIL, panic or
#                              exception anywhere
emu=bochs
timeout=120
status=0

bystander_module() {
  module "build/guests/hostile-bystander.bin=name=bystander mode=long64 cpus=$1-$1 time=60 entry=$2"
}

bystander_passes() {
  local c="\\[cpu$1\\] guest bystander"
  expect "^$c: PASS: memory: 512 KiB pattern and its image unchanged$"
  expect "^$c: PASS: registers: general, x87, SSE/AVX, MXCSR, XCR0 unchanged$"
  expect "^$c: PASS: MSRs, CR2, CR3, CR4, CR8, debug registers unchanged$"
  expect "^$c: PASS: exits: CPUID, VMCALL, port I/O, MMIO, RDMSR answered as at the start$"
  expect "^$c: PASS: devices: COM1 scratch, PIC mask, PCI address, test register unchanged$"
  expect "^$c: PASS: interrupts: its timer fired; nothing it did not ask for$"
  expect "^$c: exited with status 0$"
  expect "^\\[cpu0\\] summary: guest bystander on cpu$1: exited with status 0; 6 passed, 0 failed; "
}

hostile_end() {
  local n=$1 exited=$2 stopped=$3 st=${4:-0}
  expect "^\\[cpu0\\] summary: $n guests, $exited exited, $stopped stopped$"
  expect_count "$cpus" '^\[cpu[0-9]\] VMXOFF done: left VMX operation$'
  if [[ $st == 0 ]]; then
    expect '^\[cpu0\] power off, status 0 \(ok\)$'
  fi
  reject 'FAIL:|PANIC|panic|EXCEPTION [^ ]+ \(|in Keel at RIP|left CR0.CD|VM-entry failure|VM entry failed|Keel bug'
}
