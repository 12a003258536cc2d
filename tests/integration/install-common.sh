# Shared by the install-*.test files: `make install` into a scratch root
# and GRUB's own grub-mkconfig over it, as a distribution would run it.
#
# The scratch root is $OUT/root. Its /boot is an ext2 image ($OUT/boot.img,
# a separate /boot partition, so GRUB's paths and search line are real),
# loop-mounted in a private mount namespace (unshare -m) where it, and the
# scratch /etc/grub.d and /etc/default, are also mounted over the real
# /boot, /etc/grub.d and /etc/default: grub-mkconfig reads only those.
# /etc/grub.d holds this machine's GRUB scripts besides Keel's; the scratch
# /etc/default/grub gives GRUB a serial terminal on COM1 and no timeout.
# Needs root (mounts) and loop devices; otherwise the tests say why.

# Run "$@" in the namespace with the scratch root in place.
in_scratch_root() {
  unshare -m sh -c '
    set -e
    mount -o loop "$OUT/boot.img" "$OUT/root/boot"
    mount --bind "$OUT/root/boot" /boot
    mount --bind "$OUT/root/etc/grub.d" /etc/grub.d
    mount --bind "$OUT/root/etc/default" /etc/default
    "$@"' sh "$@"
}

# keel_install: the scratch root, `make install DESTDIR=$OUT/root`, then
# grub-mkconfig into $OUT/grub.cfg. Extra lines for /etc/default/keel come
# from $keel_defaults.
keel_install() {
  if [[ $(id -u) != 0 ]] || ! command -v unshare > /dev/null || [[ ! -e /dev/loop-control ]]; then
    echo "needs root, unshare and loop devices (mount a scratch /boot)"; return 1
  fi
  rm -rf "$OUT/root" "$OUT/boot.img"
  mkdir -p "$OUT/root/boot" "$OUT/root/etc/grub.d" "$OUT/root/etc/default"
  truncate -s 32M "$OUT/boot.img"
  mkfs.ext2 -q -F -L keelboot "$OUT/boot.img"
  local f
  for f in /etc/grub.d/*; do
    case $f in */30_os-prober|*/25_keel) continue ;; esac
    cp -p "$f" "$OUT/root/etc/grub.d/"
  done
  # With normal_os=1: a stand-in for the machine's usual system, first in
  # the menu and so GRUB's default entry: it says so and powers off.
  if [[ ${normal_os:-0} == 1 ]]; then
    printf '%s\n' '#! /bin/sh' 'cat << EOF' "menuentry 'Normal OS' \\\$menuentry_id_option 'normal' {" \
      "	echo 'normal OS booted'" '	halt' '}' 'EOF' > "$OUT/root/etc/grub.d/09_normal"
    chmod +x "$OUT/root/etc/grub.d/09_normal"
  fi
  cat > "$OUT/root/etc/default/grub" << 'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Scratch
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1"
GRUB_DISABLE_OS_PROBER=true
EOF
  # grub-probe maps the loop device to a BIOS drive through device.map.
  # GRUB's scripts take a /dev/loopN for a loop-mounted file and look
  # for the disk under that file instead: the boot device is named through
  # a link, as a partition would be, so that they probe the image itself.
  export keel_defaults
  # (make -o all: the build is make test's; install what it built.)
  in_scratch_root sh -c '
    set -e
    mkdir -p /boot/grub
    loop=$(findmnt -n -o SOURCE /boot)
    echo "(hd0) $loop" > /boot/grub/device.map
    ln -sfn "$loop" "$OUT/bootdev"
    echo "GRUB_DEVICE_BOOT=$OUT/bootdev" >> /etc/default/grub
    find "$OUT/root" /boot -type f | sort > "$OUT/before"
    make -s -o all install DESTDIR="$OUT/root"
    printf "%s\n" "$keel_defaults" >> "$OUT/root/etc/default/keel"
    grub-mkconfig -o "$OUT/grub.cfg"
    find "$OUT/root" /boot -type f | sort > "$OUT/installed"' > "$OUT/install.log" 2>&1 ||
    { tail -n 5 "$OUT/install.log"; return 1; }
}

# keel_uninstall: `make uninstall DESTDIR=$OUT/root`; the files then in
# the scratch root that were not there before install go to $OUT/left.
keel_uninstall() {
  in_scratch_root sh -c '
    set -e
    make -s uninstall DESTDIR="$OUT/root"
    find "$OUT/root" /boot -type f | sort | comm -13 "$OUT/before" - > "$OUT/left"' \
    > "$OUT/uninstall.log" 2>&1 || { tail -n 5 "$OUT/uninstall.log"; return 1; }
}

# The generated grub.cfg, exactly as written, on a GRUB rescue ISO; Keel
# and its guests stay on the scratch /boot image, attached as hd0.
keel_install_iso() {
  local iso=$1 tree=$OUT/isotree
  keel_install || return 1
  rm -rf "$tree"; mkdir -p "$tree/boot/grub"
  cp "$OUT/grub.cfg" "$tree/boot/grub/grub.cfg"
  grub-mkrescue -o "$iso" "$tree" > "$OUT/mkrescue.log" 2>&1 || { tail -n 5 "$OUT/mkrescue.log"; return 1; }
}

# The generated grub.cfg in its place on the scratch /boot (grub/grub.cfg,
# beside the grubenv that keel-try writes there when $keel_try is set, and
# GRUB's BIOS modules, as grub-install leaves them in grub/i386-pc), and
# a GRUB ISO that plays the machine's GRUB core: its prefix is that disk's
# grub directory, so load_env and save_env use the grubenv there, and it
# runs that grub.cfg. $iso_before: GRUB commands to run first; $after_try:
# shell commands run in the scratch root after keel-try.
keel_install_disk_iso() {
  local iso=$1 tree=$OUT/isotree
  keel_install || return 1
  export keel_try after_try
  in_scratch_root sh -c '
    set -e
    cp "$OUT/grub.cfg" /boot/grub/grub.cfg
    mkdir -p /boot/grub/i386-pc
    cp /usr/lib/grub/i386-pc/*.mod /usr/lib/grub/i386-pc/*.lst /boot/grub/i386-pc/
    if [ -n "$keel_try" ]; then
      KEEL_GRUBENV=/boot/grub/grubenv KEEL_DEFAULTS=/etc/default/keel \
        "$OUT/root/usr/local/sbin/keel-try" $keel_try
    fi
    eval "${after_try:-}"' >> "$OUT/install.log" 2>&1 || { tail -n 5 "$OUT/install.log"; return 1; }
  rm -rf "$tree"; mkdir -p "$tree/boot/grub"
  printf '%s\n' 'serial --unit=0 --speed=115200' 'terminal_input serial' 'terminal_output serial' \
    "${iso_before:-}" 'set prefix=(hd0)/grub' 'configfile (hd0)/grub/grub.cfg' > "$tree/boot/grub/grub.cfg"
  grub-mkrescue -o "$iso" "$tree" > "$OUT/mkrescue.log" 2>&1 || { tail -n 5 "$OUT/mkrescue.log"; return 1; }
}

# GRUB's environment block on the scratch /boot, as "name=value" lines.
keel_grubenv() {
  debugfs -R 'cat /grub/grubenv' "$OUT/boot.img" 2> /dev/null | grep -v '^#'
}
