#!/usr/bin/env bash
# Build a GRUB rescue ISO (BIOS and, when grub-efi-amd64-bin is installed,
# UEFI) that boots Keel at once over the serial console.
#
#   scripts/mkiso.sh [options] OUT.iso KEEL.elf [KEEL-COMMAND-LINE]
#   scripts/mkiso.sh --bare --kernel FILE [options] OUT.iso
#     --module FILE[=CMDLINE]   add a module2 image with its command line
#     --guest NAME              add build/guests/NAME.bin with the command
#                               line on the "; module:" line of guests/NAME.asm
#     --loader multiboot2|multiboot
#                               GRUB command that loads Keel (tests use
#                               'multiboot' to check Keel's refusal)
#     --grub-serial UNIT|none   GRUB's own terminal: serial port UNIT (0 is
#                               COM1, the default; 1 is COM2) at 115200, or
#                               none (GRUB's console only), as the console
#                               discovery tests need
#   A Multiboot (v1 or v2) kernel, as QEMU's -kernel, -append and -initrd
#   take one (docs/guests.md, "Run your own kernel"):
#     --kernel FILE             a guest of Keel: /boot/kernel.elf on the line
#                               'module2 /boot/kernel.elf OPTIONS -- APPEND'
#     --kernel-options 'OPTS'   Keel's options for it (name=, cpus=, mem=, ...);
#                               name= defaults to the file's name
#     --append 'TEXT'           its command line: the kernel gets TEXT exactly
#                               (written here as GRUB's parser needs it)
#     --initrd 'FILE ARGS,...'  its modules, comma-separated, each a file and
#                               its string: 'module2 /boot/modN for=NAME ARGS'
#     --bare                    no Keel: GRUB boots the kernel itself
#                               (multiboot2, or multiboot for a v1 kernel),
#                               APPEND and each module's ARGS written into
#                               grub.cfg as they are (GRUB's own syntax)
set -euo pipefail

loader=multiboot2
grub_serial=0
modules=()
kernel= kernel_options= append= initrd= bare=0
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --module) modules+=("$2"); shift 2 ;;
    --guest)
      line=$(sed -n 's/^; module: //p' "guests/$2.asm" 2>/dev/null | head -n 1)
      [[ -n $line ]] || { echo "mkiso: guests/$2.asm has no '; module:' line" >&2; exit 2; }
      modules+=("build/guests/$2.bin=$line"); shift 2 ;;
    --loader) loader=$2; shift 2 ;;
    --grub-serial) grub_serial=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --kernel-options) kernel_options=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;;
    --bare) bare=1; shift ;;
    *) echo "mkiso: unknown option $1" >&2; exit 2 ;;
  esac
done
usage="usage: mkiso.sh [options] OUT.iso KEEL.elf [CMDLINE], or mkiso.sh --bare --kernel FILE [options] OUT.iso (see the script's first lines)"
if [[ $bare == 1 ]]; then
  [[ $# -eq 1 && -n $kernel ]] || { echo "$usage" >&2; exit 2; }
  out=$1 elf= cmdline=
else
  [[ $# -ge 2 ]] || { echo "$usage" >&2; exit 2; }
  out=$1 elf=$2 cmdline=${3:-}
fi
if [[ -z $kernel && ( -n $kernel_options || -n $append || -n $initrd ) ]]; then
  echo "mkiso: --kernel-options, --append and --initrd need --kernel" >&2; exit 2
fi
[[ -z $kernel || -f $kernel ]] || { echo "mkiso: --kernel $kernel: no such file" >&2; exit 2; }

# grub_words TEXT: TEXT written for GRUB's script parser so that, after
# GRUB splits, unquotes and joins it and Keel undoes the join, the kernel
# gets TEXT exactly (docs/guests.md, "The kernel's command line, exactly"):
# with a quote in it, all of it within single quotes; otherwise word by
# word, '\' and '$' escaped, a word with one of GRUB's special characters
# within single quotes. (Runs of blanks become one: GRUB's parser.)
grub_words() {
  local text=$1 word out=
  if [[ $text == *$'\n'* ]]; then
    echo "mkiso: a command line cannot hold a newline" >&2; return 1
  fi
  if [[ $text == *[\"\']* ]]; then
    printf "'%s'" "${text//\'/\'\\\'\'}"
    return
  fi
  local words
  read -ra words <<< "$text"
  for word in "${words[@]}"; do
    if [[ $word == *[\;\&\|\<\>\{\}]* || $word == \#* ]]; then
      word="'$word'"
    else
      word=${word//\\/\\\\}
      word=${word//\$/\\\$}
    fi
    out+="${out:+ }$word"
  done
  printf '%s' "$out"
}

for tool in grub-mkrescue xorriso mformat; do
  command -v "$tool" >/dev/null || { echo "mkiso: $tool missing: run scripts/setup.sh" >&2; exit 1; }
done
[[ -d /usr/lib/grub/x86_64-efi ]] || echo "mkiso: grub-efi-amd64-bin not installed: ISO will boot on BIOS only" >&2

root=$(mktemp -d "${TMPDIR:-/tmp}/keel-iso.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/boot/grub"
[[ -n $elf ]] && cp "$elf" "$root/boot/keel.elf"

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

title=Keel
boot_line="$loader /boot/keel.elf $cmdline"
if [[ -n $kernel ]]; then
  cp "$kernel" "$root/boot/kernel.elf"
  name=$(sed -n 's/^\(.* \)\{0,1\}name=\([^ ]*\).*/\2/p' <<< "$kernel_options")
  if [[ -z $name ]]; then       # Keel's rule for names: 1-63 of [A-Za-z0-9_-]
    name=$(basename "$kernel"); name=${name%.*}; name=${name//[^A-Za-z0-9_-]/-}
    name=${name:0:63}; name=${name:-kernel}
    kernel_options="name=$name${kernel_options:+ $kernel_options}"
  fi
  mod_kw=module2
  if [[ $bare == 1 ]]; then
    title=$name
    if grub-file --is-x86-multiboot2 "$kernel"; then boot_line="multiboot2 /boot/kernel.elf $append"
    elif grub-file --is-x86-multiboot "$kernel"; then boot_line="multiboot /boot/kernel.elf $append"; mod_kw=module
    else echo "mkiso: $kernel has no Multiboot or Multiboot2 header GRUB accepts" >&2; exit 2; fi
  else
    words=$(grub_words "$append")
    mod_lines+="    module2 /boot/kernel.elf $kernel_options${words:+ -- $words}"$'\n'
  fi
  if [[ -n $initrd ]]; then
    IFS=, read -ra items <<< "$initrd"
    for item in "${items[@]}"; do
      file=${item%% *} args=
      [[ $item == *" "* ]] && args=${item#* }
      [[ -f $file ]] || { echo "mkiso: --initrd: $file: no such file" >&2; exit 2; }
      cp "$file" "$root/boot/mod$i"
      if [[ $bare == 1 ]]; then
        mod_lines+="    $mod_kw /boot/mod$i $args"$'\n'
      else
        words=$(grub_words "$args")
        mod_lines+="    module2 /boot/mod$i for=$name${words:+ $words}"$'\n'
      fi
      i=$((i + 1))
    done
  fi
fi

case $grub_serial in
  none) terminal= ;;
  [0-3]) terminal="serial --unit=$grub_serial --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial
terminal_output serial" ;;
  *) echo "mkiso: --grub-serial must be 0-3 or none" >&2; exit 2 ;;
esac
cat > "$root/boot/grub/grub.cfg" <<CFG
${terminal:+$terminal
}set timeout=0
menuentry "$title" {
    $boot_line
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
