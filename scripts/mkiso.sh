#!/usr/bin/env bash
# Build a GRUB rescue ISO (BIOS and, when grub-efi-amd64-bin is installed,
# UEFI) that boots Keel at once over the serial console.
#
#   scripts/mkiso.sh [options] OUT.iso KEEL.elf [KEEL-COMMAND-LINE]
#     --module FILE[=CMDLINE]   add a module2 image with its command line
#     --guest NAME              add build/guests/NAME.bin with the command
#                               line on the "; module:" line of guests/NAME.asm
#     --loader multiboot2|multiboot
#                               GRUB command that loads Keel (tests use
#                               'multiboot' to check Keel's refusal)
set -euo pipefail

loader=multiboot2
modules=()
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --module) modules+=("$2"); shift 2 ;;
    --guest)
      line=$(sed -n 's/^; module: //p' "guests/$2.asm" 2>/dev/null | head -n 1)
      [[ -n $line ]] || { echo "mkiso: guests/$2.asm has no '; module:' line" >&2; exit 2; }
      modules+=("build/guests/$2.bin=$line"); shift 2 ;;
    --loader) loader=$2; shift 2 ;;
    *) echo "mkiso: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $# -ge 2 ]] || { echo "usage: mkiso.sh [--module FILE[=CMDLINE]] [--loader L] OUT.iso KEEL.elf [CMDLINE]" >&2; exit 2; }
out=$1 elf=$2 cmdline=${3:-}

for tool in grub-mkrescue xorriso mformat; do
  command -v "$tool" >/dev/null || { echo "mkiso: $tool missing: run scripts/setup.sh" >&2; exit 1; }
done
[[ -d /usr/lib/grub/x86_64-efi ]] || echo "mkiso: grub-efi-amd64-bin not installed: ISO will boot on BIOS only" >&2

root=$(mktemp -d "${TMPDIR:-/tmp}/keel-iso.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/boot/grub"
cp "$elf" "$root/boot/keel.elf"

mod_lines=
i=0
for m in "${modules[@]}"; do
  file=${m%%=*}
  mcmd=
  [[ $m == *=* ]] && mcmd=${m#*=}
  cp "$file" "$root/boot/mod$i"
  mod_lines+="    module2 /boot/mod$i $mcmd"$'\n'
  i=$((i + 1))
done
[[ $loader == multiboot ]] && mod_lines=${mod_lines//module2/module}

cat > "$root/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial
terminal_output serial
set timeout=0
menuentry "Keel" {
    $loader /boot/keel.elf $cmdline
$mod_lines    boot
}
CFG

mkdir -p "$(dirname "$out")"
log=$(mktemp)
tmp=$(mktemp "$out.XXXXXX")     # concurrent builds of the same ISO do not collide
if ! grub-mkrescue -o "$tmp" "$root" >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log" "$tmp"; exit 1
fi
rm -f "$log"
mv "$tmp" "$out"
