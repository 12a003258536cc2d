#!/usr/bin/env bash
# Turn the capabilities Keel printed with vmx=dump into unit-test fixtures
# (tests/unit/fixtures/vmx/, README there): one file per CPU, DIR/NAME-cpuN.txt,
# or DIR/NAME.txt with --cpu N for that CPU alone. A user's bug report
# (their serial log pasted into a file) becomes a regression test this way.
#   scripts/run.sh --emu bochs --cpus 2 --cmdline vmx=dump --log build/dump.log
#   scripts/vmx-fixture.sh [--cpu N] [--source 'TEXT'] build/dump.log DIR NAME
# The first lines of each file say where it came from: --source TEXT (what
# machine, whose report) and the log's file name.
set -euo pipefail
cpu= source=
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --cpu) cpu=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    *) echo "vmx-fixture: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $# -eq 3 ]] || { echo "usage: vmx-fixture.sh [--cpu N] [--source 'TEXT'] SERIAL-LOG DIR NAME" >&2; exit 2; }
log=$1 dir=$2 name=$3
[[ -r $log ]] || { echo "vmx-fixture: cannot read $log" >&2; exit 2; }
cpus=$(tr -d '\r' < "$log" | sed -n 's/^\[cpu[0-9]*\] vmx-dump: cpu\([0-9]*\): .*/\1/p' | sort -nu)
[[ -n $cpus ]] || { echo "vmx-fixture: $log has no vmx-dump lines (boot Keel with vmx=dump)" >&2; exit 1; }
[[ -z $cpu ]] || grep -qx "$cpu" <<< "$cpus" || { echo "vmx-fixture: $log has no dump of cpu$cpu" >&2; exit 1; }
mkdir -p "$dir"
for c in $cpus; do
  [[ -z $cpu || $c == "$cpu" ]] || continue
  out=$dir/$name-cpu$c.txt
  [[ -n $cpu ]] && out=$dir/$name.txt
  {
    echo "# $name, cpu$c: converted by scripts/vmx-fixture.sh from a Keel vmx=dump serial log ($(basename "$log"))"
    [[ -z $source ]] || echo "# source: $source"
    tr -d '\r' < "$log" | sed -n "s/^\[cpu[0-9]*\] vmx-dump: cpu$c: //p"
  } > "$out"
  echo "$out"
done
