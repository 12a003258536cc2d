# Shared by bochs-apic.test (APIC virtualization) and
# bochs-apic-emulated.test (apicv=off): the guests and what they must show
# either way. The caller has set apic_mode_line, the VMX line it expects.
emu=bochs
cpus=4
timeout=120
guests='apic64 smp-triple-fault'
status=0
expect "$apic_mode_line"
expect '^\[cpu0\] guest apic64: 2 vCPUs on cpu1,cpu2$'
expect '^\[cpu0\] guest smp-triple-fault: 2 vCPUs on cpu3,cpu0$'
expect_count 1 '^\[cpu1\] guest apic64: starting on cpu1 \(VPID 1\)$'
expect_count 2 '^\[cpu2\] guest apic64: vCPU 1 started by SIPI at 0x9000 on cpu2$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: AP reset by INIT while running, started again by SIPI$'
expect_count 1 '^\[cpu0\] guest smp-triple-fault: vCPU 1 started by SIPI at 0x9000 on cpu0$'
expect_count 1 '^\[cpu[0-9]\] error: guest smp-triple-fault stopped: triple fault \(shutdown\) on vCPU 1 at RIP 0x[0-9a-f]+: the guest could not deliver an exception$'
expect_count 39 '^\[cpu[12]\] guest apic64: PASS: '
expect_count 1 '^\[cpu1\] guest apic64: PASS: self-IPI delivered and EOIed$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: held off by STI and MOV SS blocking$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: held off by TPR 0x50$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: periodic timer: 10 ticks within 2% of 9 periods$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: one-shot: fires within 2% of its count$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: TSC deadline: fires within 2% of a period after it$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: AP started by INIT-SIPI-SIPI reached 64-bit mode$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: fixed IPI to physical APIC ID 1 woke the AP from HLT$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: fixed IPI from the AP back to the BSP$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: lowest-priority IPI goes to the vCPU with the lower TPR$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: NMI IPI delivered to the AP$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: an IPI to APIC ID 5 reaches no vCPU$'
expect_count 1 '^\[cpu1\] guest apic64: PASS: an illegal IPI vector raises the LVT error interrupt$'
expect_count 1 '^\[cpu1\] warning: guest apic64: IPI from vCPU 0 to physical destination 0x5 \(vector 0x40\): no such vCPU in this guest: dropped$'
expect '^\[cpu0\] summary: guest apic64 on cpu1,cpu2: exited with status 0; 39 passed, 0 failed; [0-9]+ exits: .*HLT [0-9]+ .*MSR_WRITE [0-9]+.*PREEMPTION_TIMER [0-9]+'
expect '^\[cpu0\] summary: guest apic64: 1 IPI aimed outside the guest, dropped$'
expect '^\[cpu0\] summary: guest smp-triple-fault on cpu3,cpu0: stopped \(triple fault \(shutdown\) on vCPU 1 at RIP 0x[0-9a-f]+: .*\); [0-9]+ exits: .*TRIPLE_FAULT 1'
expect '^\[cpu0\] summary: 2 guests, 1 exited, 1 stopped$'
expect '^\[cpu0\] power off, status 0 \(ok\)$'
reject 'FAIL:|EXCEPTION|PANIC|time budget'
