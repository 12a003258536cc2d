#!/usr/bin/env bash
# make soak: a long run of mixed exits and interrupts (docs/testing.md).
# Boots Keel in Bochs with 2 CPUs and one soak guest (guests/soak.asm)
# pinned to each: together about 10 million exits of five reasons, and a
# self-IPI and its EOI in every round (apicv=off: Keel's emulated APIC,
# where both exit; with APIC virtualization neither would). Then checks, from the serial log:
#   - each guest passed (registers, memory and interrupts held) and said
#     how many rounds it ran;
#   - Keel's exit counts for it add up: CPUID and VMCALL at least once a
#     round, IO_INSTRUCTION twice, MSR_READ once, MSR_WRITE twice, and no
#     more than a few hundred of each beyond (its set-up);
#   - Keel's free memory at the end is what it was when the guests
#     started (the exit path allocates nothing).
# Prints one line per check and "soak: ok" or "soak: FAILED".
#   scripts/soak.sh [--timeout S]
set -euo pipefail
cd "$(dirname "$0")/.."
timeout=900
[[ ${1:-} == --timeout ]] && timeout=${2:?--timeout needs seconds}
log=build/soak.log
start=$(date +%s)
scripts/run.sh --emu bochs --cpus 2 --quiet --log "$log" --timeout "$timeout" --cmdline apicv=off \
  --module 'build/guests/soak.bin=name=soak0 mode=long64 cpus=0-0' \
  --module 'build/guests/soak.bin=name=soak1 mode=long64 cpus=1-1' || {
  echo "soak: the run failed (status $?, see $log)"; exit 1; }
echo "soak: run took $(( $(date +%s) - start )) s"
fail=0
say() { echo "$1"; [[ $1 == ok* ]] || fail=1; }
slack=300
total=0
for g in soak0 soak1; do
  rounds=$(tr -d '\r' < "$log" | sed -n "s/^($g) soak: \([0-9]*\) rounds.*/\1/p" | tail -n 1)
  if [[ -z $rounds ]]; then say "FAIL $g: no 'soak: N rounds' line"; continue; fi
  grep -q "guest $g: PASS: registers, memory and interrupts held" "$log" ||
    say "FAIL $g: its checks did not pass"
  summary=$(tr -d '\r' < "$log" | grep "summary: guest $g on " | tail -n 1)
  for want in "CPUID 1" "VMCALL 1" "IO_INSTRUCTION 2" "MSR_READ 1" "MSR_WRITE 2"; do
    reason=${want% *} per=${want#* }
    got=$(sed -n "s/.* $reason \([0-9]*\).*/\1/p" <<<"$summary")
    lo=$((rounds * per)) hi=$((rounds * per + slack))
    if [[ -n $got && $got -ge $lo && $got -le $hi ]]; then
      say "ok   $g: $reason $got for $rounds rounds (expected $lo to $hi)"
    else
      say "FAIL $g: $reason ${got:-missing} for $rounds rounds (expected $lo to $hi)"
    fi
  done
  exits=$(sed -n 's/.*; \([0-9]*\) exits:.*/\1/p' <<<"$summary")
  total=$((total + ${exits:-0}))
done
echo "soak: $total exits in all"
mem=$(tr -d '\r' < "$log" | grep "summary: memory: " | tail -n 1)
if grep -q ", 0 KiB more than when the guests started" <<<"$mem"; then
  say "ok   memory: ${mem#*summary: memory: }"
else
  say "FAIL memory: ${mem:-no summary line}"
fi
if [[ $fail == 0 ]]; then echo "soak: ok"; else echo "soak: FAILED"; exit 1; fi
