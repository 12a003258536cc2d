#!/usr/bin/env bash
# Install Keel for GRUB to boot it (make install), or remove it (make
# uninstall); docs/hardware.md walks through it.
#
#   scripts/install.sh install   [--destdir DIR] [--prefix DIR] [--guests 'a b'] [--no-update-grub]
#   scripts/install.sh uninstall [--destdir DIR] [--prefix DIR] [--no-update-grub]
#
# install puts
#   /boot/keel.elf                 the hypervisor (build/keel.elf)
#   /boot/keel/guests/NAME.bin     the guests named (guests/NAME.asm), by
#                                  default those `make run` runs
#   /etc/grub.d/25_keel            makes Keel's GRUB menu entries
#                                  (scripts/grub.d/25_keel)
#   /etc/default/keel              Keel's options and guests for those
#                                  entries; kept when it exists already
#   PREFIX/sbin/keel-try           boot Keel once, then back (scripts/keel-try)
#   PREFIX/share/keel/             what uninstall needs to know
# all under DESTDIR when given (PREFIX: /usr/local). Without DESTDIR, GRUB's
# configuration is then made again (update-grub, or grub-mkconfig -o
# /boot/grub/grub.cfg) unless --no-update-grub. The default entry is never
# changed. uninstall removes the same files (and shows /etc/default/keel
# first if it was changed) and the directories it made, then updates GRUB.
set -euo pipefail
cd "$(dirname "$0")/.."

action=${1:-}
shift || true
destdir= prefix=/usr/local guests="exits64 real16 prot32" update=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --destdir) destdir=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --guests) guests=$2; shift 2 ;;
    --no-update-grub) update=0; shift ;;
    *) echo "install: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $action == install || $action == uninstall ]] || {
  echo "usage: install.sh install|uninstall [--destdir DIR] [--prefix DIR] [--guests 'a b'] [--no-update-grub]" >&2
  exit 2
}
[[ $prefix == /* ]] || { echo "install: --prefix must be an absolute path" >&2; exit 2; }
D=${destdir%/}
share=$D$prefix/share/keel

update_grub() {
  [[ $update == 1 && -z $D ]] || return 0
  if command -v update-grub >/dev/null; then
    update-grub
  elif command -v grub-mkconfig >/dev/null && [[ -d /boot/grub ]]; then
    grub-mkconfig -o /boot/grub/grub.cfg
  elif command -v grub2-mkconfig >/dev/null && [[ -d /boot/grub2 ]]; then
    grub2-mkconfig -o /boot/grub2/grub.cfg
  else
    echo "install: no update-grub or grub-mkconfig found: make GRUB's configuration yourself" >&2
  fi
}

# The /etc/default/keel install writes: the guests with the command lines
# their sources give ("; module:" lines, docs/guests.md).
default_keel() {
  cat << 'EOF'
# Keel's GRUB menu entries (/etc/grub.d/25_keel, docs/hardware.md). After a
# change, run update-grub (or grub-mkconfig -o /boot/grub/grub.cfg).

# Keel's own options (docs/options.md), on every Keel entry. The serial
# console needs none when GRUB uses one (Keel finds it); e.g. "loglvl=debug".
GRUB_CMDLINE_KEEL=""

# Guests, one a line: an image under /boot and its options (docs/guests.md).
KEEL_GUESTS="
EOF
  local g line
  for g in $guests; do
    line=$(sed -n 's/^; module: //p' "guests/$g.asm" | head -n 1)
    echo "/boot/keel/guests/$g.bin $line"
  done
  cat << 'EOF'
"

# true: make Keel the default entry (GRUB's own default is left alone
# otherwise).
KEEL_DEFAULT=false

# Try mode (keel-try): with a CMOS byte here, Keel marks each boot that gets
# its guests running, and GRUB keeps booting Keel while it does; a boot it
# does not mark (a hang, a refusal) sends the next one back to the default
# entry. Empty: keel-try boots Keel exactly once. Choose a byte your
# firmware does not use (docs/hardware.md, "Try once, fall back"), e.g. 0x01.
KEEL_TRY_CMOS=""
KEEL_TRY_MARK=0x4b
EOF
}

install_file() {        # MODE SRC DST
  install -D -m "$1" "$2" "$D$3"
  echo "  $D$3"
}

if [[ $action == install ]]; then
  [[ -f build/keel.elf ]] || { echo "install: build/keel.elf missing: run make first" >&2; exit 1; }
  echo "install: Keel into ${D:-/}"
  install_file 0644 build/keel.elf /boot/keel.elf
  for g in $guests; do
    [[ -f build/guests/$g.bin ]] || { echo "install: build/guests/$g.bin missing (make guests)" >&2; exit 1; }
    install_file 0644 "build/guests/$g.bin" "/boot/keel/guests/$g.bin"
  done
  install_file 0755 scripts/grub.d/25_keel /etc/grub.d/25_keel
  install_file 0755 scripts/keel-try "$prefix/sbin/keel-try"
  mkdir -p "$share"
  default_keel > "$share/default-keel"
  printf '%s\n' $guests > "$share/guests"
  if [[ -e $D/etc/default/keel ]]; then
    echo "  $D/etc/default/keel kept as it is (the new default is $share/default-keel)"
  else
    install_file 0644 "$share/default-keel" /etc/default/keel
  fi
  update_grub
  exit 0
fi

echo "uninstall: Keel from ${D:-/}"
removed=0
remove() {
  if [[ -e $D$1 ]]; then rm -f "$D$1"; echo "  removed $D$1"; removed=1; fi
}
remove /boot/keel.elf
if [[ -f $share/guests ]]; then
  while read -r g; do remove "/boot/keel/guests/$g.bin"; done < "$share/guests"
fi
rmdir "$D/boot/keel/guests" "$D/boot/keel" 2>/dev/null || true
remove /etc/grub.d/25_keel
remove "$prefix/sbin/keel-try"
if [[ -f $D/etc/default/keel ]] && ! { [[ -f $share/default-keel ]] &&
                                       cmp -s "$D/etc/default/keel" "$share/default-keel"; }; then
  echo "  $D/etc/default/keel had changes; they were:"
  sed 's/^/    /' "$D/etc/default/keel"
fi
remove /etc/default/keel
rm -f "$share/default-keel" "$share/guests"
rmdir "$share" 2>/dev/null || true
[[ $removed == 1 ]] || echo "  nothing of Keel's was installed there"
if [[ -n $D ]]; then           # a staging root: the directories install made too
  for d in "$prefix/share" "$prefix/sbin" /etc/grub.d /etc/default /boot; do
    while [[ $d != / && -n $d ]] && rmdir "$D$d" 2>/dev/null; do
      d=$(dirname "$d")       # up to, never including, DESTDIR itself
    done
  done
fi
update_grub
