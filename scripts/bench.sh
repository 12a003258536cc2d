#!/usr/bin/env bash
# make bench: boot Keel in Bochs (1 CPU) with the benchmark guest
# (guests/bench.asm) and bench=on, then print the cost of each exit round
# trip; then boot it twice (2 CPUs) with the guest-platform benchmark
# (guests/bench-apic.asm, 2 vCPUs), with APIC virtualization and with
# apicv=off, and print those rows side by side. The same figures go to
# build/bench.json. In Bochs the TSC counts instructions, so the figures
# are instruction counts, exact and repeatable (docs/benchmark.md).
# In Bochs it then boots Debian's cloud kernel (scripts/linux.sh) to its
# /init twice, one CPU each: under Keel and bare (GRUB's `linux`, no Keel), and prints the ticks from the kernel's first
# instruction to /init, Keel over bare, and Keel's exits until then
# (docs/benchmark.md, "Linux boot"). BENCH_LINUX=0 leaves them out.
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
linux_log=build/bench-linux.log
linux_bare_log=build/bench-linux-bare.log linux_dir=build/bench-linux
linux_ran=0

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

# ---------------------------------------------------------------- Linux boot
# The kernel and /init of scripts/linux.sh, and the same command line for
# every run: nothing printed before /init at loglevel=3 (bare Bochs has
# warnings of its own at 5), the TSC's rate told (Bochs' CPUID says 3.5 GHz,
# its TSC runs at 100 MHz; under Keel CPUID 15H says so already), the
# console at the 115200 baud Keel writes at. The initramfs goes to both
# uncompressed: GRUB's module2 unzips a gzip module for Keel, its initrd
# does not, and Linux's own inflate would count on one side only.
linux_kernel=build/linux/vmlinuz linux_cpio=$linux_dir/initramfs.cpio
linux_append='console=ttyS0,115200 panic=-1 loglevel=3 cryptomgr.notests retbleed=off tsc_early_khz=100000'

linux_prepare() {
  scripts/linux.sh
  mkdir -p "$linux_dir"
  if [[ ! $linux_cpio -nt build/linux/initramfs.cpio.gz ]]; then
    gzip -dc build/linux/initramfs.cpio.gz > "$linux_cpio.tmp" && mv "$linux_cpio.tmp" "$linux_cpio"
  fi
}

# linux_keel LOG [APPEND...]: Linux under Keel (bench=on: Keel notes the
# TSC at its first VM entry and its exits at its first console byte, the
# /init's rdtsc line), ended by `poweroff -f` typed at its shell.
linux_keel() {
  local log=$1 input=$linux_dir/input rc=0 typist i
  : > "$input"; : > "$log"
  ( for ((i = 0; i < 3000; i++)); do
      if tr -d '\r' < "$log" | grep -q '^~ # '; then printf 'poweroff -f\r' >> "$input"; exit 0; fi
      sleep 0.1
    done ) &
  typist=$!
  scripts/run.sh --emu bochs --cpus 1 --mem 512 --quiet --log "$log" --input "$input" --timeout 300 \
    --cmdline 'focus=linux bench=on' \
    --module "$linux_kernel=name=linux mem=256 -- $linux_append${2:+ $2}" \
    --module "$linux_cpio=for=linux" || rc=$?
  kill "$typist" 2>/dev/null || true
  wait "$typist" 2>/dev/null || true
  (( rc == 0 )) || { echo "bench: the Linux boot under Keel failed (status $rc; see $log)" >&2; exit 1; }
}

# linux_bare LOG: the same kernel, initramfs and command line booted by
# GRUB's `linux` and `initrd` in Bochs with no Keel. Its first instruction
# (startup_32 at 0x1000000, where GRUB places this relocatable kernel:
# pref_address) is found with a breakpoint of Bochs' debugger, whose tick
# count there ("Next at t=") is the TSC: one CPU, and a second breakpoint
# on /bin/rdtsc's RDTSC checks that the two agree. Stopped once /init runs.
linux_bare() {
  local log=$1 iso=$linux_dir/bare.iso entry pid i
  rm -rf "$linux_dir/iso"; mkdir -p "$linux_dir/iso/boot/grub"
  cp "$linux_kernel" "$linux_dir/iso/boot/vmlinuz"
  cp "$linux_cpio" "$linux_dir/iso/boot/initrd"
  cat > "$linux_dir/iso/boot/grub/grub.cfg" <<CFG
set timeout=0
menuentry linux {
    linux /boot/vmlinuz $linux_append
    initrd /boot/initrd
    boot
}
CFG
  grub-mkrescue -o "$iso" "$linux_dir/iso" > "$linux_dir/mkrescue.log" 2>&1 ||
    { cat "$linux_dir/mkrescue.log" >&2; echo "bench: grub-mkrescue failed" >&2; exit 1; }
  # /bin/rdtsc's entry point (e_entry, at 24 in its ELF header): its RDTSC
  nasm -f bin -o "$linux_dir/rdtsc" scripts/linux-rdtsc.asm
  entry=$(od -An -tx8 -j24 -N8 "$linux_dir/rdtsc" | tr -d ' ')
  cat > "$linux_dir/bochsrc" <<RC
megs: 256
cpu: count=1, ips=100000000, model=corei7_skylake_x, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: term
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
clock: sync=none
log: $linux_dir/bochs.log
debugger_log: $linux_dir/debugger.log
panic: action=fatal
error: action=report
com1: enabled=1, mode=file, dev=$log
RC
  # The kernel's first instruction; then (linear, in /bin/rdtsc) its RDTSC
  printf '%s\n' 'pb 0x1000000' c 'd 1' "lb 0x$entry" c 'd 2' c > "$linux_dir/cmds"
  : > "$log"; rm -f "$linux_dir/debugger.log"
  setsid env TERM=xterm script -qfec "bochs -q -f $linux_dir/bochsrc -rc $linux_dir/cmds" /dev/null \
    < /dev/null > "$linux_dir/bochs.out" 2>&1 &
  pid=$!
  for ((i = 0; i < 3000; i++)); do
    tr -d '\r' < "$log" | grep -q '^keel-initramfs: /init started' && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  tr -d '\r' < "$log" | grep -q '^keel-initramfs: /init started' ||
    { echo "bench: the bare Linux boot did not reach /init (see $log, $linux_dir/bochs.log)" >&2; exit 1; }
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
      run_apic --emu bochs
      if [[ ${BENCH_LINUX:-1} != 0 ]]; then
        linux_prepare
        linux_keel "$linux_log"
        linux_bare "$linux_bare_log"
        linux_ran=1
      fi ;;
  *) echo "usage: bench.sh [--kvm | --log FILE [FILE...]]" >&2; exit 2 ;;
esac

# "bench NAME TOTAL N" lines, from the guest ("(bench) bench ...", its own
# output) and from Keel itself ("[cpu0] bench ...")
declare -A total count
while read -r name t n; do
  total[$name]=$t count[$name]=$n
done < <(tr -d '\r' < "$log" | sed -n 's/^\(.*\] \|(bench) \)bench \([a-z_]*\) \([0-9]*\) \([0-9]*\).*/\2 \3 \4/p')
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
# The round trips' targets (docs/benchmark.md): Bochs ticks only
round_trips=(
  "CPUID round trip|$cpuid|60"
  "VMCALL round trip (HC_NOP)|$vmcall|60"
  "I/O write, COM1 scratch (device)|$io_write|90"
  "I/O read, COM1 LSR (device)|$io_read|90"
  "RDMSR IA32_FEATURE_CONTROL|$rdmsr|60"
)
for r in "${round_trips[@]}"; do
  IFS='|' read -r label v target <<< "$r"
  printf '%-40s %10s %10s\n' "$label" "$v" "$([[ $host == bochs ]] && echo "<= $target")"
done
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
  done < <(tr -d '\r' < "$f" | sed -n 's/^(bench-apic) bench \([a-z_]*\) \([0-9]*\) \([0-9]*\).*/\1 \2 \3/p')
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
if [[ $host == bochs ]]; then
  for r in "${round_trips[@]}"; do
    IFS='|' read -r label v target <<< "$r"
    (( v <= target )) || echo "$label: $v, target <= $target: missed"
  done
fi

# ---------------------------------------------------------------- Linux boot
# Ticks from the kernel's first instruction to /init's RDTSC ("rdtsc N",
# /bin/rdtsc's line): under Keel from the TSC at the first VM entry
# ("bench guest_entry linux TSC"; the guest's TSC is the host's), bare
# from Bochs' tick count at the breakpoint.
linux_json=null
if [[ $linux_ran == 1 ]]; then
  first_rdtsc() { tr -d '\r' < "$1" | sed -n 's/^rdtsc \([0-9]*\)$/\1/p' | head -n 1; }
  keel_field() { tr -d '\r' < "$1" | sed -n "s/.*\] bench $2 linux \([0-9]*\) .*/\1/p" | head -n 1; }
  keel_boot() {                                 # keel_boot LOG
    local e r
    e=$(keel_field "$1" guest_entry) r=$(first_rdtsc "$1")
    [[ -n $e && -n $r ]] || { echo "bench: no 'bench guest_entry linux' or 'rdtsc' line in $1" >&2; exit 1; }
    echo $((r - e))
  }
  bp_tick() {                                   # bp_tick DEBUGGER-LOG N: t at breakpoint N
    awk -v n="$2" 'index($0, "Breakpoint " n ",") { f = 1; next }
                   f && /Next at t=/ { sub(/.*t=/, ""); print $1; exit }' "$1"
  }
  bp() { echo $(( ($1 - $2) * 10000 / $2 )); }  # bp A B: A over B in 1/100 of a percent
  pct() {                                       # pct BASIS-POINTS: -1.23%
    local v=$1 sign=
    (( v < 0 )) && { sign=-; v=$(( -v )); }
    printf '%s%d.%02d%%' "$sign" $((v / 100)) $((v % 100))
  }
  linux_keel_ticks=$(keel_boot "$linux_log")
  bare_start=$(bp_tick "$linux_dir/debugger.log" 1) bare_rdtsc_bp=$(bp_tick "$linux_dir/debugger.log" 2)
  bare_rdtsc=$(first_rdtsc "$linux_bare_log")
  [[ -n $bare_start && -n $bare_rdtsc ]] ||
    { echo "bench: no breakpoint at 0x1000000 in $linux_dir/debugger.log, or no rdtsc line in $linux_bare_log" >&2; exit 1; }
  [[ $bare_rdtsc_bp == "$bare_rdtsc" ]] ||
    echo "bench: Bochs' tick count at /bin/rdtsc's RDTSC (${bare_rdtsc_bp:-none}) is not the TSC" \
         "it printed ($bare_rdtsc): the bare figure is off by the difference" >&2
  linux_bare_ticks=$((bare_rdtsc - bare_start))
  linux_over=$(bp "$linux_keel_ticks" "$linux_bare_ticks")

  # Keel's exits until the guest's first console byte: /init's rdtsc line,
  # a few thousand ticks after its RDTSC, when Linux printed nothing before.
  out_tsc=$(tr -d '\r' < "$linux_log" | sed -n 's/.*\] bench guest_first_output linux \([0-9]*\) \([0-9]*\) .*/\1 \2/p')
  read -r out_tsc exits_total <<< "${out_tsc:-0 0}"
  keel_rdtsc=$(first_rdtsc "$linux_log")
  if (( out_tsc < keel_rdtsc || out_tsc - keel_rdtsc > 1000000 )); then
    echo "bench: Linux's first console output (TSC $out_tsc) was not /init's rdtsc line" \
         "($keel_rdtsc): the exits below are counted until then" >&2
  fi
  exit_rows=$(tr -d '\r' < "$linux_log" | sed -n 's/.*\] bench guest_exits linux \([A-Z_0-9]*\) \([0-9]*\)$/\1 \2/p' |
              sort -k2,2nr -k1,1)

  echo
  printf '%-40s %10s %10s\n' "Linux boot, 1 CPU (ticks)" "" "target"
  printf '%-40s %10s\n' "Linux boot to /init (ticks), under Keel" "$linux_keel_ticks"
  printf '%-40s %10s\n' "Linux boot to /init (ticks), bare" "$linux_bare_ticks"
  printf '%-40s %10s %10s\n' "Linux under Keel over bare" "$(pct "$linux_over")" "< 3%"
  printf '%-40s %10s\n' "exits under Keel until /init" "$exits_total"
  exits_json=""
  while read -r reason n; do
    [[ -n $reason ]] || continue
    printf '%-40s %10s\n' "  $reason" "$n"
    exits_json+="${exits_json:+, }\"$reason\": $n"
  done <<< "$exit_rows"
  echo "(from the kernel's first instruction to /init's RDTSC; bare: GRUB's linux, no Keel."
  echo " docs/benchmark.md, \"Linux boot\")"
  (( linux_over < 300 )) ||
    echo "Linux under Keel over bare: $(pct "$linux_over"), target < 3%: missed (where the ticks go: docs/benchmark.md, \"Linux boot\")"
  linux_json="{\"keel\": $linux_keel_ticks, \"bare\": $linux_bare_ticks, \"keel_over_bare_basis_points\": $linux_over,
    \"exits_total\": $exits_total, \"exits\": {$exits_json}}"
fi

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
  },
  "linux_boot": $linux_json
}
JSON
echo "bench: figures written to $json"
