#!/usr/bin/env bash
# Install what Keel's build, run and test need on Debian 12, and nothing
# that is already there. Safe to run again: a second run only checks.
#
#   scripts/setup.sh            install what is missing
#   scripts/setup.sh --check    say what is missing, exit 1 if anything is
set -euo pipefail

# tool or file that proves a package is installed  ->  Debian package
need=(
  "nasm:nasm"
  "gcc:gcc"
  "make:make"
  "grub-mkrescue:grub-common"
  "grub-file:grub-common"
  "/usr/lib/grub/i386-pc/moddep.lst:grub-pc-bin"
  "/usr/lib/grub/x86_64-efi/moddep.lst:grub-efi-amd64-bin"
  "xorriso:xorriso"
  "mformat:mtools"
  "qemu-system-x86_64:qemu-system-x86"
  "/usr/share/ovmf/OVMF.fd:ovmf"
  "bochs:bochs"
  "/usr/share/bochs/BIOS-bochs-latest:bochsbios"
  "/usr/share/vgabios/vgabios.bin:vgabios"
  "/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so:bochs-term"
  "script:bsdutils"
  "timeout:coreutils"
  "cpio:cpio"
  "gdb:gdb"
  "perl:perl-base"
  "clang:clang"
  "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev"
)

missing=()
for entry in "${need[@]}"; do
  what=${entry%%:*} pkg=${entry##*:}
  if [[ $what == /* ]]; then [[ -e $what ]] && continue
  else command -v "$what" >/dev/null 2>&1 && continue; fi
  [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ ${1:-} == --check ]]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}" >&2
sudo=
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: not root and no sudo: install ${missing[*]} by hand" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
