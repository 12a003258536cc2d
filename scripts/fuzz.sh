#!/usr/bin/env bash
# Build and run Keel's libFuzzer harnesses (tests/fuzz/fuzz_NAME.c).
#
#   scripts/fuzz.sh [--time SECONDS] [NAME...]
#
# NAME is the harness without its fuzz_ prefix (insn_decode, acpi, ...);
# none means all of them. Each is built as build/fuzz/NAME from the Keel
# sources its first line lists ("// fuzz: vmx/insn_decode.c"), with extra
# libFuzzer options from an optional "// fuzz-args: ..." line, and runs
# for SECONDS (default 10) from its corpus: build/fuzz/corpus/NAME (kept
# between runs, grows) plus the seeds in tests/fuzz/corpus/NAME/. One line
# per target:
#   ok   fuzz/NAME (N runs, T s, R/s)
#   FAIL fuzz/NAME: <reason> (input: build/fuzz/NAME-crash-...)
# and a non-zero exit when any failed. Logs: build/fuzz/NAME.log.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=10
names=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --time) seconds=${2:?--time needs a number of seconds}; shift 2 ;;
    --time=*) seconds=${1#--time=}; shift ;;
    -h|--help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) n=${1##*/}; n=${n%.c}; names+=("${n#fuzz_}"); shift ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "fuzz.sh: --time wants whole seconds" >&2; exit 2; }

if [[ ${#names[@]} -eq 0 ]]; then
  for f in tests/fuzz/fuzz_*.c; do
    [[ -e $f ]] || continue
    n=${f##*/fuzz_}; names+=("${n%.c}")
  done
fi

# ---------------------------------------------------------------- toolchain
# Debian 12: clang is package clang; its libFuzzer runtime is in
# libclang-rt-<major>-dev (scripts/setup.sh installs both).
CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "FAIL fuzz: $CC not found: install package clang (scripts/setup.sh does)"
  exit 1
fi
if ! "$CC" --version 2>/dev/null | grep -q clang; then
  echo "FAIL fuzz: $CC is not clang: libFuzzer needs clang (package clang)"
  exit 1
fi
major=$("$CC" -dumpversion 2>/dev/null | cut -d. -f1)
runtime=$("$CC" -print-runtime-dir 2>/dev/null)
if [[ ! -e $runtime/libclang_rt.fuzzer-x86_64.a ]]; then
  echo "FAIL fuzz: clang's libFuzzer ($runtime/libclang_rt.fuzzer-x86_64.a) is missing:" \
       "install package libclang-rt-${major:-14}-dev (scripts/setup.sh does)"
  exit 1
fi

CFLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
        -fno-omit-frame-pointer -I. -DKEEL_HOST_TEST)
out=build/fuzz
mkdir -p "$out"

# Seeds that come from files already in the tree: the ACPI harness's table
# list format ("flags, then u16 length + bytes per table", DSDT last and
# linked from the FADT) from every fixture set of the unit tests.
acpi_seeds() {
  local dir=$1 set flags f n
  for set in tests/unit/fixtures/acpi/*/; do
    [[ -d $set ]] || continue
    flags=4; compgen -G "$set/XSDT@*" >/dev/null && flags=5
    {
      printf "\\x$(printf %02x "$flags")"
      for f in "$set"/APIC@* "$set"/FACP@* "$set"/HPET@* "$set"/DSDT@*; do
        [[ -e $f ]] || continue
        n=$(stat -c %s "$f")
        printf "\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8 & 255)))"
        cat "$f"
      done
    } > "$dir/fixture-$(basename "$set")"
  done
}

# fuzz_one NAME: build and run one harness; its line on stdout, status 1
# if it failed.
fuzz_one() {
  local name=$1 src bin log corpus status artifact done_line runs secs reason frame
  local sources=() extra=() dirs=()
  src=tests/fuzz/fuzz_$name.c
  bin=$out/$name
  log=$out/$name.log
  if [[ ! -f $src ]]; then
    echo "FAIL fuzz/$name: no $src"
    return 1
  fi
  read -r -a sources <<<"$(sed -n '1s|^// fuzz:||p' "$src")"
  read -r -a extra <<<"$(sed -n 's|^// fuzz-args:||p' "$src" | head -n 1)"
  if ! "$CC" "${CFLAGS[@]}" -o "$bin" "$src" "${sources[@]}" > "$out/$name.build.log" 2>&1; then
    echo "FAIL fuzz/$name: does not build (see $out/$name.build.log)"
    sed 's/^/     /' "$out/$name.build.log" | head -n 10
    return 1
  fi

  corpus=$out/corpus/$name
  mkdir -p "$corpus"
  [[ $name == acpi ]] && acpi_seeds "$corpus"
  dirs=("$corpus")
  [[ -d tests/fuzz/corpus/$name ]] && dirs+=("tests/fuzz/corpus/$name")
  rm -f "$out/$name"-crash-* "$out/$name"-leak-* "$out/$name"-timeout-* "$out/$name"-oom-*

  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/$name-" "${extra[@]}" "${dirs[@]}" > "$log" 2>&1
  status=$?
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1)
  if [[ $status -eq 0 && -n $done_line && -z $artifact ]]; then
    runs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+).*/\1/' <<<"$done_line")
    secs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+).*/\2/' <<<"$done_line")
    echo "ok   fuzz/$name ($runs runs, $secs s, $(( runs / (secs > 0 ? secs : 1) ))/s)"
    return 0
  fi
  # Why: a harness invariant, a sanitizer's report, or libFuzzer's own words.
  reason=$(grep -m1 -E 'invariant: |runtime error: ' "$log")
  if [[ -z $reason ]]; then
    reason=$(grep -m1 -E '^==[0-9]+==ERROR: ' "$log" | sed -E 's/^==[0-9]+==ERROR: //; s/ on (address|unknown).*//')
    frame=$(grep -m1 -E '^ +#0 0x[0-9a-f]+ in ' "$log" | sed -E 's/^ +#0 0x[0-9a-f]+ //')
    [[ -n $reason && -n $frame ]] && reason="$reason $frame"
  fi
  [[ -n $reason ]] || reason=$(grep -m1 -E 'ERROR: libFuzzer|libFuzzer: |^SUMMARY: ' "$log")
  [[ -n $reason ]] || reason="exit status $status, no summary (see $log)"
  reason=$(cut -c1-200 <<<"${reason//$PWD\//}")
  echo "FAIL fuzz/$name: $reason${artifact:+ (input: $artifact)}"
  return 1
}

# Two at a time (FUZZ_JOBS; each harness is one process): each one's line
# is printed when it is done, in the order of the names.
jobs=${FUZZ_JOBS:-2}
fail=0
pids=()
report() {                      # report I: wait for the I-th harness, print it
  wait "${pids[$1]}" || fail=1
  cat "$out/${names[$1]}.result"
}
for i in "${!names[@]}"; do
  fuzz_one "${names[$i]}" > "$out/${names[$i]}.result" 2>&1 &
  pids[i]=$!
  (( i + 1 < jobs )) || report $((i + 1 - jobs))
done
for ((i = ${#names[@]} + 1 - jobs; i < ${#names[@]}; i++)); do
  (( i < 0 )) || report "$i"
done
exit $fail
