#!/usr/bin/env bash
# Keel's test suite: `make test` runs this after building.
#   0. grub-file accepts build/keel.elf as Multiboot2
#   1. host unit tests (build/unit/test_*, ASan + UBSan), one count per case
#   2. libFuzzer harnesses (tests/fuzz/), FUZZ_TIME seconds each (20)
#   3. integration tests (tests/integration/*.test): boot the ISO in an
#      emulator and check the serial log line by line
# Ends with "N passed, N failed"; exits non-zero on any failure.
#   TESTS=regex   run only the integration tests whose name matches
#   TEST_DIR=dir  run the .test files of dir instead, and only them (no unit
#                 tests, no fuzzing): make test-linux-generic
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0
failures=()
out=build/tests
mkdir -p "$out"

# ---------------------------------------------------------------- image
# GRUB must recognise keel.elf as a Multiboot2 kernel.
if grub-file --is-x86-multiboot2 build/keel.elf; then
  echo "ok   build/keel.elf is a Multiboot2 kernel (grub-file)"
  passed=$((passed + 1))
else
  echo "FAIL build/keel.elf: grub-file --is-x86-multiboot2 says no"
  failed=$((failed + 1)); failures+=("grub-file")
fi

# ---------------------------------------------------------------- unit
units=(build/unit/test_*)
[[ -z ${TEST_DIR:-} ]] || units=()
for t in "${units[@]}"; do
  [[ -x $t && $t != *.d ]] || continue
  name=${t##*/}
  if ! "$t" > "$out/$name.log" 2>&1; then :; fi
  line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed$' "$out/$name.log" | tail -n 1)
  if [[ -z $line ]]; then
    echo "FAIL unit/$name: crashed (see $out/$name.log)"
    tail -n 20 "$out/$name.log" | sed 's/^/     /'
    failed=$((failed + 1)); failures+=("unit/$name")
    continue
  fi
  p=$(sed -E 's/^unit: ([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f))
  if [[ $f -gt 0 ]]; then
    echo "FAIL unit/$name: $f of $((p + f)) cases failed"
    grep -E -A4 '^FAIL' "$out/$name.log" | sed 's/^/     /'
    failures+=("unit/$name")
  else
    echo "ok   unit/$name ($p cases)"
  fi
done

# ---------------------------------------------------------------- fuzz
# Each libFuzzer harness (tests/fuzz/) for a few seconds: a smoke run that
# keeps them building and catches what is quick to find; `make fuzz` runs
# them longer. FUZZ_TIME=0 skips this (it is then said, not hidden).
fuzz_time=${FUZZ_TIME:-20}
if [[ -n ${TEST_DIR:-} ]]; then
  :                             # its .test files only
elif [[ $fuzz_time -gt 0 ]]; then
  while IFS= read -r line; do
    echo "$line"
    case $line in
      "ok   fuzz/"*) passed=$((passed + 1)) ;;
      "FAIL fuzz/"*) failed=$((failed + 1)); f=${line#FAIL }; failures+=("${f%%:*}") ;;
    esac
  done < <(scripts/fuzz.sh --time "$fuzz_time" 2>&1)
else
  echo "skip fuzz (FUZZ_TIME=0)"
fi

# ---------------------------------------------------------------- integration
# A .test file is bash that sets:
#   emu=qemu|bochs   cpus=N   uefi=1   cmdline='...'   timeout=S
#   qemu_cpu=MODEL   loader=multiboot2|multiboot
#   guests='a b'     test guests (guests/NAME.asm) loaded as GRUB modules
#   kernel=FILE      a Multiboot kernel as a guest of Keel, with
#   append='...'     its command line and initrd='FILE ARGS,...' its modules
#                    (QEMU's -append and -initrd), kernel_options='...'
#                    Keel's options for it; bare=1: QEMU runs it alone (no
#                    Keel; status is then the kernel's isa-debug-exit value)
#   mem=MiB          emulated RAM (run.sh's default otherwise)
#   grub_serial=N|none  GRUB's own terminal (mkiso.sh --grub-serial; 0)
#   qemu_args='...'  more QEMU arguments (-M q35, -acpitable ...)
#   qemu_serial='...'  QEMU's serial ports, @LOG@ the log (run.sh --qemu-serial)
#   emu=none         no boot: the test is its `check` commands alone
#   disk=FILE        a raw disk image as the first hard disk (run.sh --disk)
#   reboot=1         QEMU restarts the machine at a reset (run.sh --reboot)
#   gdb=1            COM2 (Keel's GDB stub) as a TCP socket at 127.0.0.1:$GDB_PORT
#                    (run.sh --gdb-port), for talk() to run GDB against
# and may define talk() { ...; }, run beside the boot to type into Keel's
# console (run.sh --input), calling:
#   wait_for 'ERE' [N]    until N (1) serial lines match (the test's timeout)
#   send 'TEXT'          type TEXT (printf format: \r is Enter, \001 Ctrl-A)
# a wait_for that times out fails the test;
# and may define build_iso() { ...; } to make the ISO ($1) itself instead
# of mkiso.sh, and may call, before the expectations:
#   module 'FILE=CMDLINE'  a GRUB module with its own command line
#   status=0|1|2|halt     Keel's expected power-off status, or halt
# ($OUT is a scratch directory of the test's own, build/tests/NAME.d.)
#   check 'COMMAND'       after the boot, shell code that must succeed (it may
#                         call functions the .test defines; $LOG is the serial
#                         log, $OUT a scratch directory); its last output line
#                         is the failure's reason
# and calls, in the order the lines must appear:
#   expect 'ERE'          a serial line matching this, after the previous one
#   reject 'ERE'          no serial line may match this
#   expect_count N 'ERE'  exactly N serial lines match this, anywhere
run_integration() {
  local file=$1 name
  name=$(basename "$file" .test)
  local emu=qemu cpus=1 uefi=0 cmdline= timeout=60 qemu_cpu=max loader=multiboot2 status=0
  local guests= kernel= append= initrd= kernel_options= bare=0
  local mem= grub_serial=0 qemu_args= qemu_serial= disk= reboot=0 gdb=0
  local GDB_PORT=$((20000 + RANDOM % 20000))
  local expects=() rejects=() counts=() checks=()
  expect() { expects+=("$1"); }
  check() { checks+=("$1"); }
  reject() { rejects+=("$1"); }
  expect_count() { counts+=("$1" "$2"); }
  local extra_modules=()
  module() { extra_modules+=(--module "$1"); }
  local scratch=$out/$name.d
  rm -rf "$scratch"; mkdir -p "$scratch"
  local OUT=$scratch
  # shellcheck disable=SC1090
  source "$file"

  local iso=$out/$name.iso log=$out/$name.log
  local guest_args=() gname kernel_args=()
  for gname in $guests; do guest_args+=(--guest "$gname"); done
  guest_args+=("${extra_modules[@]}")
  if [[ -n $kernel ]]; then
    kernel_args=(--kernel "$kernel" --append "$append" --initrd "$initrd")
    [[ -n $kernel_options ]] && kernel_args+=(--kernel-options "$kernel_options")
  fi
  local boot=(--iso "$iso")
  if [[ $emu == none ]]; then
    :
  elif [[ $bare == 1 ]]; then
    boot=(--bare "${kernel_args[@]}")
  elif declare -F build_iso >/dev/null; then
    if ! OUT=$scratch build_iso "$iso" > "$out/$name.mkiso" 2>&1; then
      echo "FAIL $name: its build_iso failed"; tail -n 5 "$out/$name.mkiso" | sed 's/^/     /'
      return 1
    fi
  elif ! scripts/mkiso.sh --loader "$loader" --grub-serial "$grub_serial" "${guest_args[@]}" \
        "${kernel_args[@]}" "$iso" build/keel.elf "$cmdline" 2> "$out/$name.mkiso"; then
    echo "FAIL $name: ISO build failed"; sed 's/^/     /' "$out/$name.mkiso"
    return 1
  fi
  local args=(--emu "$emu" --cpus "$cpus" "${boot[@]}" --log "$log" --timeout "$timeout"
              --qemu-cpu "$qemu_cpu" --quiet)
  [[ $uefi == 1 ]] && args+=(--uefi)
  [[ -n $mem ]] && args+=(--mem "$mem")
  [[ -n $disk ]] && args+=(--disk "$disk")
  [[ $reboot == 1 ]] && args+=(--reboot)
  [[ $gdb == 1 ]] && args+=(--gdb-port "$GDB_PORT")
  [[ -n $qemu_args ]] && args+=(--qemu-args "$qemu_args")
  [[ -n $qemu_serial ]] && args+=(--qemu-serial "$qemu_serial")
  [[ $status == halt ]] && args+=(--expect-halt "${expects[-1]}")
  local talk_pid=
  if declare -F talk >/dev/null; then
    local INPUT=$scratch/input
    : > "$INPUT"; : > "$log"
    wait_for() {
      local re=$1 n=${2:-1} i
      for ((i = 0; i < timeout * 10; i++)); do
        (( $(tr -d '\r' < "$log" | grep -cE "$re") >= n )) && return 0
        sleep 0.1
      done
      echo "talk: no${2:+ $n} line${2:+s} matching '$re' within ${timeout}s" >> "$scratch/talk.err"
      return 1
    }
    send() {
      local s i
      s=$(printf "$1"; echo x); s=${s%x}
      for ((i = 0; i < ${#s}; i++)); do printf '%s' "${s:i:1}" >> "$INPUT"; sleep 0.02; done
    }
    ( set -e; talk ) > "$scratch/talk.out" 2>&1 &
    talk_pid=$!
    args+=(--input "$INPUT")
  fi
  local start rc=0
  start=$(date +%s%N)
  if [[ $emu == none ]]; then
    : > "$log"; : > "$out/$name.run"; rc=$status
  else
    scripts/run.sh "${args[@]}" 2> "$out/$name.run" || rc=$?
  fi
  if [[ -n $talk_pid ]]; then
    kill "$talk_pid" 2>/dev/null || true
    wait "$talk_pid" 2>/dev/null || true
  fi
  local secs
  secs=$(( ($(date +%s%N) - start) / 100000000 ))
  secs=$((secs / 10)).$((secs % 10))

  local want=$status problem=
  [[ $status == halt ]] && want=126
  if [[ $rc -ne $want ]]; then
    problem="exit status $rc, expected $want ($(tail -n 1 "$out/$name.run"))"
  fi
  if [[ -z $problem && -s $scratch/talk.err ]]; then
    problem=$(head -n 1 "$scratch/talk.err")
  fi
  # Lines in order: each expect must match a line after the previous match.
  local i=0 line
  while IFS= read -r line; do
    (( i < ${#expects[@]} )) || break
    if [[ $line =~ ${expects[$i]} ]]; then i=$((i + 1)); fi
  done < <(tr -d '\r' < "$log"; echo)
  if (( i < ${#expects[@]} )) && [[ -z $problem ]]; then
    problem="no line matching '${expects[$i]}'$( ((i > 0)) && echo " after '${expects[$((i - 1))]}'")"
  fi
  local k got
  for ((k = 0; k < ${#counts[@]}; k += 2)); do
    got=$(tr -d '\r' < "$log" | grep -cE "${counts[k + 1]}")
    if [[ -z $problem && $got -ne ${counts[k]} ]]; then
      problem="$got lines match '${counts[k + 1]}', expected ${counts[k]}"
    fi
  done
  local r
  for r in "${rejects[@]}"; do
    if [[ -z $problem ]] && tr -d '\r' < "$log" | grep -qE "$r"; then
      problem="a line matches '$r': $(tr -d '\r' < "$log" | grep -E "$r" | head -n 1)"
    fi
  done
  local c reason
  for c in "${checks[@]}"; do
    [[ -z $problem ]] || break
    if ! reason=$(export LOG=$log OUT=$scratch; eval "$c" 2>&1); then
      problem="check failed: $c: $(tail -n 1 <<< "$reason")"
    fi
  done
  if [[ -n $problem ]]; then
    echo "FAIL $name ($emu, ${secs}s): $problem"
    echo "     serial log $log ends:"
    tr -d '\r' < "$log" | tail -n 12 | sed 's/^/     | /'
    return 1
  fi
  echo "ok   $name ($emu, ${secs}s, ${#expects[@]} lines checked${checks:+, ${#checks[@]} checks})"
}

# Two at a time (TEST_JOBS): the machine's two cores, and never more than
# two emulators at once. Each test runs in a subshell of its own (its own
# scratch directory, log and ports); its lines are printed when it is
# done, in the order of the files.
test_jobs=${TEST_JOBS:-2}
files=()
for file in "${TEST_DIR:-tests/integration}"/*.test; do
  name=$(basename "$file" .test)
  [[ -n ${TESTS:-} && ! $name =~ $TESTS ]] && continue
  files+=("$file")
done
pids=()
report() {                      # report I: wait for the I-th test, print it, count it
  local name
  name=$(basename "${files[$1]}" .test)
  if wait "${pids[$1]}"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failures+=("$name")
  fi
  cat "$out/$name.result"
}
for i in "${!files[@]}"; do
  name=$(basename "${files[$i]}" .test)
  ( run_integration "${files[$i]}" ) > "$out/$name.result" 2>&1 &
  pids[i]=$!
  (( i + 1 < test_jobs )) || report $((i + 1 - test_jobs))
done
for ((i = ${#files[@]} + 1 - test_jobs; i < ${#files[@]}; i++)); do
  (( i < 0 )) || report "$i"
done

[[ ${#failures[@]} -gt 0 ]] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
