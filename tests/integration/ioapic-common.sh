# Shared by bochs-ioapic.test (APIC virtualization) and
# bochs-ioapic-emulated.test (apicv=off): the ioapic guest (2 vCPUs) and
# what it must show either way. The caller has set apic_mode_line, the
# VMX line it expects, and eoi_exits, what its summary shows of the exits
# before EPT_VIOLATION's.
emu=bochs
cpus=2
timeout=120
guests='ioapic'
status=0
expect "$apic_mode_line"
expect '^\[cpu0\] guest ioapic: 2 vCPUs on cpu1,cpu0$'
expect_count 37 '^\[cpu[01]\] guest ioapic: PASS: '
expect_count 1 '^\[cpu1\] guest ioapic: PASS: I/O APIC ID is 2, the vCPU count, as the MADT says$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: version 0x11, 24 redirection entries \(0x00170011\)$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: edge: COM1.s THR-empty interrupt arrives through pin 4, once$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: edge: THR empty again after the bytes sent: one more interrupt$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: edge: unmasking it does not bring the lost edge back$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: level: delivered again after each EOI while THR empty holds, until IIR is read \(5 times\)$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: level: remote IRR set while the interrupt is in service$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: level: unmasking an asserted pin delivers it$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: edge to physical APIC ID 1: vCPU 1 takes it, once$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: level to APIC ID 1: vCPU 1 takes it again after each of its EOIs until it reads IIR \(3 times\)$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: level to APIC ID 1: posted with its trigger mode \(vCPU 1.s TMR says level\)$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: destination 0xff: both vCPUs take it$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: PIT mode 2: 10 ticks within 2% of 9 periods of its count$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: PIT mode 0: at its count \(within 2%\)$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: 8259: IRQ 4 arrives as vector 0x24 \(ExtINT\) with every I/O APIC pin masked$'
expect_count 1 '^\[cpu1\] guest ioapic: PASS: 8259: the PIT.s IRQ 0 ticks at vector 0x20$'
expect '^\(ioapic\) edge: bytes sent with interrupts off$'
expect '^\[cpu0\] summary: guest ioapic on cpu1,cpu0: exited with status 0; 37 passed, 0 failed; [0-9]+ exits: .*'"$eoi_exits"'EPT_VIOLATION [0-9]+ PREEMPTION_TIMER [0-9]+'
expect '^\[cpu0\] power off, status 0 \(ok\)$'
reject 'FAIL:|EXCEPTION|PANIC|time budget|guest ioapic stopped'
