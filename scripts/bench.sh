#!/usr/bin/env bash
# make bench: boot Keel in Bochs (1 CPU) with the benchmark guest
# (guests/bench.asm) and bench=on, then print the cost of each exit round
# trip; then boot it twice (2 CPUs) with the guest-platform benchmark
# (guests/bench-apic.asm, 2 vCPUs), with APIC virtualization and with
# apicv=off, and print those rows side by side. The same figures go to
# build/bench.json. In Bochs the TSC counts instructions, so the figures
# are instruction counts, exact and repeatable (docs/benchmark.md).
#   scripts/bench.sh              run in Bochs
#   scripts/bench.sh --kvm        run nested under QEMU/KVM: figures in cycles
#   scripts/bench.sh --log FILE [FILE...]
#                                 only read serial logs captured elsewhere
#                                 (hardware): figures in cycles. The first
#                                 has the bench guest's lines; any of them
#                                 may have bench-apic's, each filling the
#                                 column its "guests' local APICs" line says
set -euo pipefail
cd "$(dirname "$0")/.."
log=build/bench.log json=build/bench.json host=bochs unit="ticks (Bochs TSC: one per instruction)"
apic_on_log=build/bench-apic.log apic_off_log=build/bench-apic-off.log
boot4_log=build/bench-boot4.log
apic_logs=()

# run_apic EMU-OPTIONS...: the guest-platform benchmark with and without
# APIC virtualization (2 CPUs: one per vCPU)
run_apic() {
  local cmdline log
  for cmdline in '' 'apicv=off'; do
    log=$apic_on_log
    [[ -n $cmdline ]] && log=$apic_off_log
    scripts/run.sh "$@" --cpus 2 --quiet --log "$log" --guest bench-apic --cmdline "$cmdline" \
      --timeout 180 || { echo "bench: the bench-apic run ${cmdline:+($cmdline) }failed (see $log)" >&2; exit 1; }
    apic_logs+=("$log")
  done
}

case ${1:-} in
  --log) [[ $# -ge 2 ]] || { echo "usage: bench.sh --log FILE [FILE...]" >&2; exit 2; }
         log=$2 host=other unit="TSC cycles"; apic_logs=("${@:2}") ;;
  --kvm) host=qemu-kvm unit="TSC cycles"
         scripts/run.sh --emu qemu --kvm --cpus 1 --quiet --log "$log" --guest bench \
           --cmdline 'bench=on' --timeout 120 || { echo "bench: the run failed (see $log)" >&2; exit 1; }
         run_apic --emu qemu --kvm ;;
  "") scripts/run.sh --emu bochs --cpus 1 --quiet --log "$log" --guest bench --cmdline 'bench=on' \
        --timeout 120 || { echo "bench: the benchmark run failed (see $log)" >&2; exit 1; }
      # start-up with 4 CPUs: a 128 MiB guest on the boot CPU (whose TSC
      # counted from GRUB's hand-off)
      scripts/run.sh --emu bochs --cpus 4 --quiet --log "$boot4_log" --cmdline 'bench=on' \
        --module 'build/guests/halt.bin=name=boot mode=long64 mem=128 cpus=0-0' --timeout 120 ||
        { echo "bench: the 4-CPU start-up run failed (see $boot4_log)" >&2; exit 1; }
      run_apic --emu bochs ;;
  *) echo "usage: bench.sh [--kvm | --log FILE [FILE...]]" >&2; exit 2 ;;
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

# Start-up: GRUB's hand-off to a 128 MiB guest's first instruction, in the
# boot CPU's TSC ("bench boot_to_guest TICKS 1 (N CPUs)")
boot_ticks() { tr -d '\r' < "$1" 2>/dev/null | sed -n 's/.*\] bench boot_to_guest \([0-9]*\) 1 .*/\1/p' | head -n 1; }
boot1=$(boot_ticks "$log") boot4=$(boot_ticks "$boot4_log")
printf '%-40s %10s %10s\n' "hand-off to guest, 128 MiB, 1 CPU" "${boot1:--}" "$([[ $host == bochs ]] && echo '< 50000000')"
printf '%-40s %10s %10s\n' "hand-off to guest, 128 MiB, 4 CPUs" "${boot4:--}" "$([[ $host == bochs ]] && echo '< 50000000')"

# ---------------------------------------------------------------- guest platform
# bench-apic's rows: (NAME - NAME_base) / N, or TOTAL / N for the rows
# with no baseline (latencies the guest summed). A log's "guests' local
# APICs" line says which column it fills: apicv or emulated (apicv=off,
# or a CPU without the controls).
declare -A apic                                 # apic[column.row] = figure
for f in "${apic_logs[@]}"; do
  [[ -r $f ]] || { echo "bench: cannot read $f" >&2; exit 1; }
  mode=$(tr -d '\r' < "$f" | sed -n "s/.*VMX: guests' local APICs: \([a-zA-Z]*\).*/\1/p" | head -n 1)
  case $mode in
    APIC) col=apicv ;;
    emulated) col=emulated ;;
    *) continue ;;                              # no VMX line: not a Keel log with guests
  esac
  if tr -d '\r' < "$f" | grep -q 'guest bench-apic: FAIL'; then
    echo "bench: the bench-apic guest reported a failure in $f:" >&2
    tr -d '\r' < "$f" | grep 'guest bench-apic: FAIL' >&2
    exit 1
  fi
  declare -A t=() n=()
  while read -r name tt nn; do
    t[$name]=$tt n[$name]=$nn
  done < <(tr -d '\r' < "$f" | sed -n 's/.*\] guest bench-apic: bench \([a-z_]*\) \([0-9]*\) \([0-9]*\).*/\1 \2 \3/p')
  for name in "${!t[@]}"; do
    [[ $name == *_base ]] && continue
    apic[$col.$name]=$(( (t[$name] - ${t[${name}_base]:-0}) / n[$name] ))
  done
  unset t n
done

# rows: key (bench-apic's name), label, target with apicv=off, JSON key
rows=(
  "eoi|EOI (x2APIC EOI write)|<= 150|eoi"
  "self_ipi|self-IPI delivered and EOIed|<= 300|self_ipi_round_trip"
  "sti_ipi|self-IPI at IF=0, STI, delivered, EOI||sti_window_round_trip"
  "sti_latency|IPI pending at STI: STI to handler|<= 300|sti_window_delivery"
  "tmict|TMICT write, handler, EOI, return||tmict_round_trip"
  "tmict_latency|TMICT write to timer handler|<= 300|tmict_write_to_handler"
  "tsc_deadline|TSC-deadline write||tsc_deadline_write"
  "timer_latency|timer expiry to handler (TSC deadline)||timer_expiry_to_handler"
  "ipi_busy|IPI round trip, vCPU 1 busy||ipi_round_trip_busy"
  "ipi_halt|IPI round trip, vCPU 1 in HLT||ipi_round_trip_halted"
  "mmio_write|MMIO write (test device)|<= 250|mmio_write"
  "mmio_read|MMIO read (test device)||mmio_read"
)
fig() { echo "${apic[$1.$2]:--}"; }
echo
printf '%-40s %10s %10s %10s\n' "guest platform (2 vCPUs)" "apicv" "apicv=off" "target"
for r in "${rows[@]}"; do
  IFS='|' read -r key label target _ <<< "$r"
  printf '%-40s %10s %10s %10s\n' "$label" "$(fig apicv "$key")" "$(fig emulated "$key")" "$target"
done
echo "(targets: with apicv=off; with apicv, EOI and self-IPI take no exit. -: not measured."
echo " One way of an IPI is about half its round trip.)"

# With APIC virtualization the CPU carries out EOI and self-IPI: no VM
# exit. Any exit costs at least the cheapest round trip (CPUID), so a
# figure below it took none.
noexit_json=""
for key in eoi self_ipi; do
  v=${apic[apicv.$key]:-}
  if [[ -z $v ]]; then
    verdict=null; echo "apicv, $key: not measured"
  elif (( v < cpuid )); then
    verdict=true; echo "apicv, $key: no VM exit ($v < the CPUID round trip, $cpuid)"
  else
    verdict=false; echo "apicv, $key: a VM exit ($v >= the CPUID round trip, $cpuid): expected none"
  fi
  noexit_json+="${noexit_json:+, }\"$key\": $verdict"
done
for r in "${rows[@]}"; do
  IFS='|' read -r key label target _ <<< "$r"
  v=${apic[emulated.$key]:-}
  [[ -n $target && -n $v ]] || continue
  (( v <= ${target#<= } )) || echo "apicv=off, $label: $v, target $target: missed"
done

apic_json() {                                   # apic_json column
  local r key jkey out=""
  for r in "${rows[@]}"; do
    IFS='|' read -r key _ _ jkey <<< "$r"
    out+="${out:+, }\"$jkey\": ${apic[$1.$key]:-null}"
  done
  echo "{$out}"
}

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
  "cpu_loop_overhead_basis_points": $overhead,
  "boot_to_guest_1cpu": ${boot1:-null},
  "boot_to_guest_4cpus": ${boot4:-null},
  "apic": {
    "apicv": $(apic_json apicv),
    "emulated": $(apic_json emulated),
    "apicv_no_exit": {$noexit_json}
  }
}
JSON
echo "bench: figures written to $json"
