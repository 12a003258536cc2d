#!/usr/bin/env bash
# make bench: boot Keel in Bochs (1 CPU) with the benchmark guest
# (guests/bench.asm) and bench=on, then print the cost of each exit round
# trip and write the same figures to build/bench.json. In Bochs the TSC
# counts instructions, so the figures are instruction counts, exact and
# repeatable (docs/benchmark.md).
#   scripts/bench.sh              run in Bochs
#   scripts/bench.sh --kvm        run nested under QEMU/KVM: figures in cycles
#   scripts/bench.sh --log FILE   only read a serial log captured elsewhere
#                                 (hardware): figures in cycles
set -euo pipefail
cd "$(dirname "$0")/.."
log=build/bench.log json=build/bench.json host=bochs unit="ticks (Bochs TSC: one per instruction)"
case ${1:-} in
  --log) log=$2 host=other unit="TSC cycles" ;;
  --kvm) host=qemu-kvm unit="TSC cycles"
         scripts/run.sh --emu qemu --kvm --cpus 1 --quiet --log "$log" --guest bench \
           --cmdline 'bench=on' --timeout 120 || { echo "bench: the run failed (see $log)" >&2; exit 1; } ;;
  "") scripts/run.sh --emu bochs --cpus 1 --quiet --log "$log" --guest bench --cmdline 'bench=on' \
        --timeout 120 || { echo "bench: the benchmark run failed (see $log)" >&2; exit 1; } ;;
  *) echo "usage: bench.sh [--kvm | --log FILE]" >&2; exit 2 ;;
esac

# "bench NAME TOTAL N" lines, from the guest and from Keel itself
declare -A total count
while read -r name t n; do
  total[$name]=$t count[$name]=$n
done < <(tr -d '\r' < "$log" | sed -n 's/.*\] \(guest bench: \)\{0,1\}bench \([a-z_]*\) \([0-9]*\) \([0-9]*\).*/\2 \3 \4/p')
for need in empty cpuid vmcall empty_io io_write io_read empty_msr rdmsr cpu_loop cpu_loop_bare; do
  [[ -n ${total[$need]:-} ]] || { echo "bench: no '$need' figure in $log" >&2; exit 1; }
done

# One round trip = (loop with the operation - the same loop without) / N
per() { echo $(( (total[$1] - total[$2]) / count[$1] )); }
cpuid=$(per cpuid empty) vmcall=$(per vmcall empty)
io_write=$(per io_write empty_io) io_read=$(per io_read empty_io) rdmsr=$(per rdmsr empty_msr)
loop=${total[cpu_loop]} bare=${total[cpu_loop_bare]}
overhead=$(( (loop - bare) * 10000 / bare ))      # in 1/100 of a percent

printf '%-40s %10s %10s\n' "operation ($host: $unit)" "" "target"
printf '%-40s %10s %10s\n' "CPUID round trip" "$cpuid" "< 100"
printf '%-40s %10s %10s\n' "VMCALL round trip (HC_NOP)" "$vmcall" "< 100"
printf '%-40s %10s %10s\n' "I/O write, COM1 scratch (device)" "$io_write" "< 150"
printf '%-40s %10s %10s\n' "I/O read, COM1 LSR (device)" "$io_read" "< 150"
printf '%-40s %10s %10s\n' "RDMSR IA32_FEATURE_CONTROL" "$rdmsr" ""
printf '%-40s %10s %10s\n' "CPU-bound loop in a guest" "$loop" ""
printf '%-40s %10s %10s\n' "CPU-bound loop bare (in Keel)" "$bare" ""
printf '%-40s %9d.%02d%% %10s\n' "guest over bare" $((overhead / 100)) $((overhead % 100)) "< 1%"

cat > "$json" <<JSON
{
  "host": "$host",
  "unit": "$unit",
  "cpuid": $cpuid,
  "vmcall": $vmcall,
  "io_write": $io_write,
  "io_read": $io_read,
  "rdmsr": $rdmsr,
  "cpu_loop_guest": $loop,
  "cpu_loop_bare": $bare,
  "cpu_loop_overhead_basis_points": $overhead
}
JSON
echo "bench: figures written to $json"
