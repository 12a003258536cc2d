#!/usr/bin/env bash
# Boot Keel's ISO in an emulator. The serial console goes to a log file and,
# unless --quiet, to this terminal as it arrives.
#
#   scripts/run.sh [options]
#     --emu bochs|qemu|kvm|auto
#                          Bochs (has VMX), QEMU TCG (no VMX), or QEMU nested
#                          under KVM (-enable-kvm -cpu host,+vmx: needs
#                          /dev/kvm and an Intel CPU with VMX, kvm_intel
#                          nested=1; when they are missing, run.sh says how
#                          to get them); auto: kvm where it can run, else
#                          bochs                                   [bochs]
#     --kvm                the same as --emu kvm (with --emu qemu)
#     --uefi               QEMU only: boot through OVMF (UEFI GRUB)
#     --cpus N             emulated CPUs                           [1]
#     --mem MiB            emulated RAM                            [256]
#     --cmdline '...'      Keel's command line (docs/options.md)
#     --iso FILE           boot this ISO instead of building one from build/keel.elf
#     --disk FILE          a raw disk image as the first hard disk (GRUB's hd0),
#                          beside the ISO (tests/integration/install-*.test)
#     --module FILE=CMDLINE  add a guest image (GRUB module2) with its command
#                          line, e.g. build/guests/exits64.bin='name=exits64'
#                          (repeatable; docs/guests.md)
#     --guest NAME         add build/guests/NAME.bin with the command line its
#                          source guests/NAME.asm gives on its "; module:" line
#     --kernel FILE        a Multiboot (v1 or v2) kernel as a guest, the way
#                          QEMU's -kernel boots it (docs/guests.md, "Run your
#                          own kernel"); with it:
#     --append 'TEXT'        its command line, exactly (QEMU's -append)
#     --initrd 'F ARGS,...'  its modules (QEMU's -initrd: comma-separated,
#                            each a file and its string)
#     --kernel-options 'OPTS'  Keel's options for it (name= from the file's
#                            name by default; cpus=, mem=, ...)
#     --bare               QEMU only: no Keel; QEMU runs the kernel itself
#                          (-kernel/-append/-initrd for Multiboot v1; GRUB's
#                          multiboot2 from an ISO for Multiboot2, which
#                          QEMU's -kernel does not load)
#     --log FILE           serial log                              [build/serial.log]
#     --timeout S          give up after S seconds                 [120]
#     --qemu-cpu MODEL     QEMU -cpu model                         [max]
#     --qemu-args 'ARGS'   more QEMU arguments (split on blanks), e.g. '-M q35'
#     --qemu-serial 'ARGS' QEMU's serial ports instead of '-serial file:@LOG@'
#                          (@LOG@ is the log), e.g. '-serial null -serial
#                          file:@LOG@' for a console on COM2
#     --bochs-cpu MODEL    Bochs cpu model                         [corei7_skylake_x]
#     --input FILE         type into COM1: the bytes of FILE, and those written to
#                          it later, go to the serial console as they come (the
#                          tests append to it); COM1 becomes a TCP socket that
#                          run.sh connects to, its output still in the log
#     --gdb-port PORT      COM2 (Keel's GDB stub, gdb=com2) as a TCP socket at
#                          127.0.0.1:PORT, for GDB's 'target remote' (Bochs:
#                          through a small relay, as Bochs waits for its
#                          socket's client before it starts)
#     --interactive        type into COM1 from this terminal (raw: every key goes
#                          to Keel; Ctrl-] stops the emulator); no --timeout
#     --quiet              do not copy the serial log to the terminal
#     --expect-halt REGEX  once the log has a line matching REGEX, check
#                          that the machine stays halted for a second, then
#                          stop it (for the boot paths that halt on purpose)
#     --reboot             QEMU: a reset restarts the machine (default: QEMU
#                          stops at it, -no-reboot)
#     --dry-run            print the emulator it would run (with --emu auto:
#                          which one, and why) and stop
# KEEL_CPUINFO, KEEL_KVM_DEV and KEEL_KVM_NESTED stand in for /proc/cpuinfo,
# /dev/kvm and /sys/module/kvm_intel/parameters/nested (for the tests).
#
# Exit status: Keel's own power-off status (0 ok, 1 refused, 2 panic, 3 guests
# refused: docs/options.md), or
# 124 on timeout, 125 when the emulator stopped without Keel powering off,
# 126 when --expect-halt saw its line and the machine stayed halted.
# With --bare: the kernel's isa-debug-exit value V (QEMU's exit status is
# (V << 1) | 1), or 124, or 125 when QEMU stopped another way.
set -euo pipefail
cd "$(dirname "$0")/.."

emu=bochs uefi=0 kvm=0 cpus=1 mem=256 cmdline= iso= log=build/serial.log timeout=120
qemu_cpu=max bochs_cpu=corei7_skylake_x quiet=0 halt_re=
qemu_args= qemu_serial='-serial file:@LOG@' dry_run=0 disk= no_reboot=-no-reboot
input= interactive=0 serial_port= keys_pid= gdb_port= gdb_inner= relay_pid=
modules=() kernel_args=()
kernel= append= initrd= bare=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --emu) emu=$2; shift ;;
    --uefi) uefi=1 ;;
    --kvm) kvm=1 ;;
    --cpus) cpus=$2; shift ;;
    --mem) mem=$2; shift ;;
    --cmdline) cmdline=$2; shift ;;
    --iso) iso=$2; shift ;;
    --disk) disk=$2; shift ;;
    --module) modules+=(--module "$2"); shift ;;
    --guest) modules+=(--guest "$2"); shift ;;
    --kernel) kernel=$2; shift ;;
    --append) append=$2; shift ;;
    --initrd) initrd=$2; shift ;;
    --kernel-options) kernel_args+=(--kernel-options "$2"); shift ;;
    --bare) bare=1 ;;
    --log) log=$2; shift ;;
    --timeout) timeout=$2; shift ;;
    --qemu-cpu) qemu_cpu=$2; shift ;;
    --qemu-args) qemu_args=$2; shift ;;
    --qemu-serial) qemu_serial=$2; shift ;;
    --bochs-cpu) bochs_cpu=$2; shift ;;
    --quiet) quiet=1 ;;
    --input) input=$2; shift ;;
    --gdb-port) gdb_port=$2; shift ;;
    --interactive) interactive=1 ;;
    --expect-halt) halt_re=$2; shift ;;
    --dry-run) dry_run=1 ;;
    --reboot) no_reboot= ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# Can QEMU run Keel nested under KVM here? Empty when it can; otherwise
# why not and what to do, on one line.
cpuinfo=${KEEL_CPUINFO:-/proc/cpuinfo} kvm_dev=${KEEL_KVM_DEV:-/dev/kvm}
kvm_nested=${KEEL_KVM_NESTED:-/sys/module/kvm_intel/parameters/nested}
kvm_problem() {
  if grep -q '^vendor_id.*AuthenticAMD' "$cpuinfo" 2>/dev/null; then
    echo "this is an AMD CPU: KVM offers its guests nested SVM, not the Intel VMX Keel needs; use --emu bochs (EMU=bochs), which emulates VMX"
  elif ! grep -qw vmx "$cpuinfo" 2>/dev/null; then
    if grep -qw hypervisor "$cpuinfo" 2>/dev/null; then
      echo "this machine is itself a VM and its CPU shows no 'vmx' flag: its host does not pass VMX through. On that host enable nested virtualization (KVM: load kvm_intel with nested=1 and give this VM -cpu host; other hypervisors: their 'nested virtualization' or 'expose VT-x' setting), or use --emu bochs (EMU=bochs)"
    else
      echo "this CPU shows no 'vmx' flag: enable Intel Virtualization Technology (VT-x) in the firmware setup, or use --emu bochs (EMU=bochs)"
    fi
  elif [[ ! -e $kvm_dev ]]; then
    echo "there is no $kvm_dev: load KVM (sudo modprobe kvm_intel nested=1), or use --emu bochs (EMU=bochs)"
  elif [[ ! -r $kvm_dev || ! -w $kvm_dev ]]; then
    echo "$kvm_dev is not open to you: add yourself to its group (sudo usermod -aG kvm \$USER, then log in again), or use --emu bochs (EMU=bochs)"
  elif [[ -r $kvm_nested ]] && ! grep -qiE '^(y|1)' "$kvm_nested"; then
    echo "kvm_intel runs with nested=0, so KVM gives its guests no VMX: echo 'options kvm_intel nested=1' | sudo tee /etc/modprobe.d/kvm-nested.conf; sudo modprobe -r kvm_intel; sudo modprobe kvm_intel (with no VM running), or use --emu bochs (EMU=bochs)"
  fi
}
case $emu in
  kvm) emu=qemu kvm=1 ;;
  auto)
    why=$(kvm_problem)
    if [[ -z $why ]]; then emu=qemu kvm=1
    elif [[ $uefi == 1 ]]; then emu=qemu         # Bochs has no UEFI firmware here
    else emu=bochs; fi
    if [[ $dry_run == 1 || ($uefi == 1 && $kvm == 0) ]]; then
      echo "run: --emu auto: ${why:+not KVM: $why; }using $([[ $kvm == 1 ]] && echo 'QEMU/KVM nested' ||
            { [[ $emu == qemu ]] && echo 'QEMU TCG (UEFI; no VMX)' || echo Bochs; })" >&2
    fi
    ;;
esac
if [[ $kvm == 1 ]]; then
  [[ $emu == qemu ]] || { echo "run: --kvm needs --emu qemu (or --emu kvm)" >&2; exit 2; }
  why=$(kvm_problem)
  [[ -z $why ]] || { echo "run: cannot run Keel nested under KVM here: $why" >&2; exit 2; }
fi
if [[ -n $kernel ]]; then
  [[ -f $kernel ]] || { echo "run: --kernel $kernel: no such file" >&2; exit 2; }
  kernel_args+=(--kernel "$kernel" --append "$append" --initrd "$initrd")
elif [[ -n $append || -n $initrd || ${#kernel_args[@]} -gt 0 || $bare == 1 ]]; then
  echo "run: --append, --initrd, --kernel-options and --bare need --kernel" >&2; exit 2
fi
if [[ $bare == 1 ]]; then
  [[ $emu == qemu ]] || { echo "run: --bare needs --emu qemu" >&2; exit 2; }
  [[ -z $iso && ${#modules[@]} -eq 0 ]] || { echo "run: --bare runs the kernel alone: no --iso, --module or --guest" >&2; exit 2; }
fi
[[ $dry_run == 1 ]] || scripts/setup.sh
if [[ -z $iso && $bare == 0 ]]; then
  iso=build/keel.iso
  [[ $dry_run == 1 ]] || scripts/mkiso.sh "${modules[@]}" "${kernel_args[@]}" "$iso" build/keel.elf "$cmdline"
fi
mkdir -p "$(dirname "$log")"
: > "$log"
# --input, --interactive: COM1 is a TCP socket on a free local port.
if [[ -n $input || $interactive == 1 ]]; then
  [[ -z $input || -f $input ]] || { echo "run: --input $input: no such file" >&2; exit 2; }
  for try in $(seq 50); do
    serial_port=$((20000 + RANDOM % 20000))
    (exec 4<>"/dev/tcp/127.0.0.1/$serial_port") 2>/dev/null || break
  done
  qemu_serial="-serial tcp:127.0.0.1:$serial_port,server=on,wait=on"
fi
# --gdb-port: QEMU listens there itself; Bochs on a port of its own, which
# the relay (started below) connects to.
if [[ -n $gdb_port ]]; then
  qemu_serial="${qemu_serial:--serial file:@LOG@} -serial tcp:127.0.0.1:$gdb_port,server=on,wait=off"
  for try in $(seq 50); do
    gdb_inner=$((20000 + RANDOM % 20000))
    [[ $gdb_inner != "$gdb_port" ]] || continue
    (exec 4<>"/dev/tcp/127.0.0.1/$gdb_inner") 2>/dev/null || break
  done
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/keel-run.XXXXXX")
pid=
tty_saved=
cleanup() {
  [[ -n $pid ]] && kill -- -"$pid" 2>/dev/null || true
  [[ -n $relay_pid ]] && kill "$relay_pid" 2>/dev/null || true
  [[ -n $tty_saved ]] && stty "$tty_saved" </dev/tty 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

case $emu in
  qemu)
    accel=(-accel tcg -cpu "$qemu_cpu")
    [[ $kvm == 1 ]] && accel=(-enable-kvm -cpu host,+vmx)
    boot=(-cdrom "$iso" -boot d)
    [[ -n $disk ]] && boot+=(-drive "file=$disk,format=raw,if=ide,index=0")
    if [[ $bare == 1 ]] && grub-file --is-x86-multiboot2 "$kernel"; then
      iso=$work/bare.iso
      scripts/mkiso.sh --bare "${kernel_args[@]}" "$iso"
      boot=(-cdrom "$iso" -boot d)
    elif [[ $bare == 1 ]]; then
      boot=(-kernel "$kernel" -append "$append")
      [[ -n $initrd ]] && boot+=(-initrd "$initrd")
    fi
    read -ra serial <<< "${qemu_serial//@LOG@/$log}"
    read -ra extra <<< "$qemu_args"
    args=("${accel[@]}" -m "$mem" -smp "$cpus" "${boot[@]}"
          -display none -vga none -monitor none ${no_reboot}
          "${serial[@]}" -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${extra[@]}")
    if [[ $uefi == 1 ]]; then
      args+=(-bios /usr/share/ovmf/OVMF.fd)
    fi
    cmd=(qemu-system-x86_64 "${args[@]}")
    ;;
  bochs)
    [[ $uefi == 0 ]] || { echo "run: --uefi needs --emu qemu (Bochs has no UEFI firmware here)" >&2; exit 2; }
    # More than 2 GiB needs Bochs' "memory:" line (its BIOS then reports
    # RAM above 4 GiB); "host=" is what Bochs allocates at once.
    ram="megs: $mem"
    (( mem > 2048 )) && ram="memory: guest=$mem, host=256"
    cat > "$work/bochsrc" <<RC
$ram
cpu: count=$cpus, ips=100000000, model=$bochs_cpu, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: term
$(if [[ -n $disk ]]; then
  echo "ata0-master: type=disk, path=$disk, mode=flat"
  echo "ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15"
  echo "ata1-master: type=cdrom, path=$iso, status=inserted"
else
  echo "ata0-master: type=cdrom, path=$iso, status=inserted"
fi)
boot: cdrom
clock: sync=none
log: $work/bochs.log
panic: action=fatal
error: action=report
$(if [[ -n $serial_port ]]; then
  echo "com1: enabled=1, mode=socket-server, dev=127.0.0.1:$serial_port"
else
  echo "com1: enabled=1, mode=file, dev=$log"
fi)
$([[ -z $gdb_port ]] || echo "com2: enabled=1, mode=socket-server, dev=127.0.0.1:$gdb_inner")
RC
    echo c > "$work/cmds"
    # Bochs' display needs a terminal: give it a pseudo-terminal of its own.
    cmd=(env TERM=xterm script -qfec "bochs -q -f $work/bochsrc -rc $work/cmds" /dev/null)
    ;;
  *) echo "run: --emu must be bochs, qemu, kvm or auto" >&2; exit 2 ;;
esac
if [[ $dry_run == 1 ]]; then
  echo "${cmd[*]}"
  exit 0
fi

# COM1 as a socket: connect (the emulator listens once it has started),
# copy what Keel writes to the log, and what is typed to Keel.
connect_serial() {
  local try
  for try in $(seq 200); do
    { exec 3<>"/dev/tcp/127.0.0.1/$serial_port"; } 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  { true >&3; } 2>/dev/null || { echo "run: could not connect to COM1 at port $serial_port" >&2; return 0; }
  cat <&3 >>"$log" &
  if [[ -n $input ]]; then
    tail -c +1 -f --pid="$pid" "$input" >&3 &
  fi
  if [[ $interactive == 1 ]]; then
    tty_saved=$(stty -g </dev/tty)
    stty raw -echo </dev/tty
    forward_keys </dev/tty &
    keys_pid=$!
  fi
}

# The terminal's keys to COM1, one by one; Ctrl-] stops the emulator.
forward_keys() {
  local c
  while IFS= read -r -s -n1 -d '' c; do
    if [[ $c == $'\x1d' ]]; then
      kill -- -"$pid" 2>/dev/null || true
      break
    fi
    if [[ -z $c ]]; then printf '\0'; else printf '%s' "$c"; fi >&3
  done
}

# The relay for --gdb-port under Bochs: listens at once on the port GDB is
# given, connects to Bochs' COM2 (Bochs waits for that before it runs),
# then carries bytes both ways for each GDB that connects.
if [[ -n $gdb_port && $emu == bochs ]]; then
  perl -MIO::Socket::INET -MIO::Select -e '
    my ($lport, $bport) = @ARGV;
    my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $lport, Listen => 1,
                                  ReuseAddr => 1) or die "relay: port $lport: $!\n";
    my $b;
    for (1 .. 600) {
      last if $b = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $bport);
      select(undef, undef, undef, 0.05);
    }
    $b or die "relay: no COM2 at port $bport\n";
    while (my $c = $l->accept) {
      my $s = IO::Select->new($b, $c);
      CONN: while (1) {
        for my $h ($s->can_read) {
          my $n = sysread($h, my $buf, 4096);
          exit 0 if !$n && $h == $b;
          last CONN if !$n;
          syswrite($h == $b ? $c : $b, $buf);
        }
      }
      close $c;
    }' "$gdb_port" "$gdb_inner" 2>>"$work/relay.err" &
  relay_pid=$!
fi
start=$(date +%s%N)
setsid "${cmd[@]}" </dev/null >"$work/emu.out" 2>&1 &
pid=$!
if [[ -n $serial_port ]]; then
  connect_serial
fi
if [[ $quiet == 0 ]]; then
  tail -s 0.1 -n +1 -f --pid="$pid" "$log" &
fi
rc=0
waited=0
while kill -0 "$pid" 2>/dev/null; do
  if (( interactive == 0 && waited >= timeout * 10 )); then
    kill -- -"$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
    echo "run: $emu still running after ${timeout}s: stopped" >&2
    exit 124
  fi
  if [[ -n $halt_re ]] && tr -d '\r' < "$log" | grep -qE "$halt_re"; then
    sleep 1
    if kill -0 "$pid" 2>/dev/null; then
      kill -- -"$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      pid=
      [[ $quiet == 1 ]] || echo "run: Keel halted as expected: stopped $emu" >&2
      exit 126
    fi
  fi
  sleep 0.1
  waited=$((waited + 1))
done
wait "$pid" || rc=$?
pid=
if [[ -n $keys_pid ]]; then
  kill "$keys_pid" 2>/dev/null || true
  stty "$tty_saved" </dev/tty 2>/dev/null || true
  tty_saved=
  echo >&2
fi
if [[ -n $relay_pid ]]; then   # before the wait below: it would wait for it too
  kill "$relay_pid" 2>/dev/null || true
  relay_pid=
fi
wait 2>/dev/null || true       # the tail
ms=$(( ($(date +%s%N) - start) / 1000000 ))
elapsed=$((ms / 1000)).$(printf '%03d' $((ms % 1000)))

if [[ $bare == 1 ]]; then
  if [[ $rc -eq 0 || $((rc % 2)) -eq 0 ]]; then
    echo "run: qemu stopped (exit $rc) without the kernel writing to isa-debug-exit; QEMU said:" >&2
    tail -n 5 "$work/emu.out" >&2 || true
    exit 125
  fi
  [[ $quiet == 1 ]] || echo "run: qemu finished in ${elapsed}s, kernel status $((rc >> 1)) (QEMU exit $rc)" >&2
  exit $((rc >> 1))
fi

# Keel's status: QEMU's isa-debug-exit code is status * 2 + 1; Bochs always
# exits 1, and an ACPI power-off or reset ends QEMU with 0: then read the
# status line Keel printed.
status=$(sed -n 's/^\[cpu[0-9]*\] \(power off\|reboot\|halt\), status \([0-9]*\).*/\2/p' "$log" | tail -n 1 | tr -d '\r')
if [[ $emu == qemu && $rc -ne 0 && $((rc % 2)) -eq 1 ]]; then
  status=$((rc >> 1))
  # QEMU's own errors (a bad option, a missing file) also end it with 1.
  if [[ $rc -eq 1 ]] && grep -q '^qemu-system-x86_64: ' "$work/emu.out"; then
    status=
  fi
fi
if [[ -z $status ]]; then
  echo "run: $emu stopped (exit $rc) without Keel powering off; emulator said:" >&2
  tail -n 5 "$work/emu.out" >&2 || true
  [[ $emu == bochs ]] && grep -E "PANIC|ERROR" "$work/bochs.log" | tail -n 5 >&2 || true
  exit 125
fi
[[ $quiet == 1 ]] || echo "run: $emu finished in ${elapsed}s, Keel status $status" >&2
exit "$status"
