#!/usr/bin/env bash
# Fetch a Linux guest for Keel: Debian 12's kernel and a small busybox
# initramfs, both cached under build/linux/. A second run with the files
# there does nothing.
#
#   scripts/linux.sh             build/linux/vmlinuz (linux-image-cloud-amd64)
#                                and build/linux/initramfs.cpio.gz
#   scripts/linux.sh --generic   build/linux/vmlinuz-generic (linux-image-amd64)
#                                instead of vmlinuz
#
# Packages come with `apt-get download` from the host's apt sources, so the
# kernel is the one Debian ships today. The initramfs holds busybox (from
# busybox-static), /bin/rdtsc (scripts/linux-rdtsc.asm) and /init
# (scripts/linux-init.sh); it is rebuilt when either source is newer.
# Try it without Keel:
#   qemu-system-x86_64 -m 256 -nographic -no-reboot -kernel build/linux/vmlinuz \
#     -initrd build/linux/initramfs.cpio.gz -append 'console=ttyS0 panic=-1'
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/linux
meta=linux-image-cloud-amd64 kernel=$out/vmlinuz
case ${1:-} in
  "") ;;
  --generic) meta=linux-image-amd64 kernel=$out/vmlinuz-generic ;;
  *) echo "usage: scripts/linux.sh [--generic]" >&2; exit 2 ;;
esac
initrd=$out/initramfs.cpio.gz
busybox=$out/busybox            # kept so a change to /init needs no download
init_src=scripts/linux-init.sh rdtsc_src=scripts/linux-rdtsc.asm

say() { echo "linux: $*" >&2; }
die() { echo "linux: $*" >&2; exit 1; }

fresh() {  # FILE SOURCE...: FILE exists and is newer than every SOURCE
  local f=$1 s; shift
  [[ -s $f ]] || return 1
  for s in "$@"; do [[ $f -nt $s ]] || return 1; done
}
fresh "$kernel" && fresh "$initrd" "$init_src" "$rdtsc_src" && exit 0

for tool in apt-get apt-cache dpkg-deb nasm cpio gzip; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs what is missing)"
done

mkdir -p "$out"
tmp=$(mktemp -d "$out/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# apt runs downloads as user _apt, who cannot write into our directory; as
# root, tell it to stay root rather than warn about it.
apt_opts=(-q)
[[ $(id -u) -eq 0 ]] && apt_opts+=(-o APT::Sandbox::User=root)

# Package lists are read once, and refreshed at most once: when they are
# missing (a fresh container) or stale (the mirror dropped the candidate).
updated=
apt_update() {
  [[ -z $updated ]] || return 1
  updated=1
  local sudo=
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null ||
      { say "cannot refresh the package lists: not root and no sudo (run apt-get update as root)"; return 1; }
    sudo=sudo
  fi
  say "updating package lists (apt-get update)"
  $sudo apt-get update -qq >"$tmp/update.log" 2>&1 ||
    { cat "$tmp/update.log" >&2; die "apt-get update failed"; }
}

# download PKG: the .deb into $tmp, its path in $deb.
download() {
  say "downloading $1"
  while ! (cd "$tmp" && apt-get download "${apt_opts[@]}" "$1") >"$tmp/download.log" 2>&1; do
    apt_update || { cat "$tmp/download.log" >&2; die "apt-get download $1 failed"; }
  done
  local f=("$tmp/${1}_"*.deb)
  [[ -f ${f[0]} ]] || die "apt-get download $1 left no .deb in $tmp"
  deb=${f[0]}
}

# extract DEB PATH DEST: one file of a .deb (PATH may be a glob) to DEST.
extract() {
  local x=$tmp/x f
  rm -rf "$x"
  dpkg-deb -x "$1" "$x" || die "dpkg-deb -x $1 failed"
  # shellcheck disable=SC2206  # $2 is meant as a glob
  f=("$x"/$2)
  [[ -f ${f[0]} && ${#f[@]} -eq 1 ]] || die "$(basename "$1") has no single $2"
  mv "${f[0]}" "$3"
  touch "$3"                    # the time we fetched it, not Debian's build time
  rm -rf "$x"
}

# The kernel: the metapackage only depends on the versioned package
# (linux-image-6.1.0-NN-cloud-amd64), which holds boot/vmlinuz-*.
if ! fresh "$kernel"; then
  while pkg=$(apt-cache depends "$meta" 2>/dev/null |
                sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
        [[ -z $pkg ]]; do
    apt_update || die "cannot resolve $meta to a kernel package (apt-cache depends $meta)"
  done
  download "$pkg"
  say "extracting $kernel from $(basename "$deb")"
  extract "$deb" 'boot/vmlinuz-*' "$tmp/vmlinuz"
  # A bzImage has "HdrS" in its setup header (Documentation/arch/x86/boot.rst).
  [[ $(dd if="$tmp/vmlinuz" bs=1 skip=514 count=4 2>/dev/null) == HdrS ]] ||
    die "boot/vmlinuz-* in $(basename "$deb") is not a bzImage"
  mv "$tmp/vmlinuz" "$kernel"
fi

# The initramfs.
if ! fresh "$initrd" "$init_src" "$rdtsc_src"; then
  if [[ ! -s $busybox ]]; then
    download busybox-static
    say "extracting $busybox from $(basename "$deb")"
    extract "$deb" bin/busybox "$tmp/busybox"
    mv "$tmp/busybox" "$busybox"
  fi

  say "building $initrd"
  root=$tmp/root
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
  chmod 1777 "$root/tmp"
  install -m 755 "$busybox" "$root/bin/busybox"
  nasm -f bin -o "$root/bin/rdtsc" "$rdtsc_src" || die "nasm $rdtsc_src failed"
  chmod 755 "$root/bin/rdtsc"
  install -m 755 "$init_src" "$root/init"
  # One symlink per applet, where busybox would put it (bin/sh, sbin/poweroff...).
  applets=$("$root/bin/busybox" --list-full) || die "cannot run $busybox --list-full"
  for a in $applets; do
    [[ -e $root/$a ]] || ln -s /bin/busybox "$root/$a"
  done

  # Files owned by root whoever builds it; sorted so the archive is stable.
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
     cpio -o -H newc -R 0:0 --quiet) >"$tmp/initramfs.cpio" || die "cpio failed"

  # /dev/console, which the kernel opens as /init's stdin, stdout and stderr,
  # is a device node: mknod needs root, so it comes as a second archive of
  # one entry written here in the newc format (the kernel unpacks
  # concatenated archives; Documentation/driver-api/early-userspace/buffer-format.rst).
  newc() {  # NAME MODE RDEVMAJOR RDEVMINOR: one header and name, padded to 4
    local size=$(( ${#1} + 1 ))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
      0 "$2" 0 0 1 0 0 0 0 "$3" "$4" "$size" 0   # ino mode uid gid nlink mtime
    printf '%s\0' "$1"                            # filesize dev rdev namesize check
    printf '%*s' $(( (4 - (110 + size) % 4) % 4 )) '' | tr ' ' '\0'
  }
  { newc dev/console $((0020600)) 5 1; newc 'TRAILER!!!' 0 0 0; } >>"$tmp/initramfs.cpio"

  gzip -9 -n <"$tmp/initramfs.cpio" >"$tmp/initramfs.cpio.gz"
  mv "$tmp/initramfs.cpio.gz" "$initrd"
fi
