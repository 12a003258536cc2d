# Shared by bochs-xapic.test (APIC virtualization) and
# bochs-xapic-emulated.test (apicv=off): xapic32 drives its APIC through
# the xAPIC page and Keel's test MMIO register with the instruction forms
# drivers use; mmio-bad's REP MOVSD to a device is refused with its bytes;
# mmio-stack's INT 0x80 with the stack in the device page is stopped as
# an event delivery into MMIO, not emulated as the instruction at RIP.
# The caller has set apic_mode_line.
emu=bochs
cpus=2
timeout=120
guests='xapic32 mmio-bad mmio-stack'
status=0
expect "$apic_mode_line"
expect_count 24 '^\[cpu[0-9]\] guest xapic32: PASS: '
expect_count 1 '^\[cpu[0-9]\] guest xapic32: PASS: MMIO: a byte store merges into the register$'
expect_count 1 '^\[cpu[0-9]\] guest xapic32: PASS: MMIO: MOVSX of a byte$'
expect_count 1 '^\[cpu[0-9]\] guest xapic32: PASS: SVR enabled by a read-modify-write OR$'
expect_count 1 '^\[cpu[0-9]\] guest xapic32: PASS: self-IPI through ICR delivered$'
expect_count 1 '^\[cpu[0-9]\] guest xapic32: PASS: timer current count runs down \(MMIO read\)$'
expect_count 1 '^\[cpu[0-9]\] guest xapic32: PASS: re-enabled APIC comes back with SVR reset \(0xff\)$'
expect_count 1 '^\[cpu[0-9]\] guest xapic32: PASS: x2APIC mode: ID read through MSR 0x802$'
expect_count 1 '^\[cpu[0-9]\] error: guest mmio-stack stopped: event delivery \(vector 128\) wrote to the device page at guest-physical 0xfeb000fc: the stack is in MMIO, at RIP 0x[0-9a-f]+$'
expect_count 1 '^\[cpu[0-9]\] error: guest mmio-bad stopped: MMIO at guest-physical 0xfeb00000 from RIP 0x[0-9a-f]+: instruction not emulated \(.*\); bytes: f3 a5 '
expect '^\[cpu0\] summary: guest xapic32 on cpu[01]: exited with status 0; 24 passed, 0 failed'
expect '^\[cpu0\] summary: guest mmio-bad on cpu[01]: stopped \(MMIO at guest-physical 0xfeb00000'
expect '^\[cpu0\] power off, status 0 \(ok\)$'
reject 'FAIL:|EXCEPTION|PANIC|time budget'
