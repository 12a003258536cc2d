#!/bin/busybox sh
# shellcheck shell=dash
# /init of the test initramfs that scripts/linux.sh builds: the first
# process of a Linux guest. Prints a TSC reading and a line the tests look
# for, then gives the serial console an interactive shell.

# First thing: the time-stamp counter, so a benchmark can count ticks from
# the guest's first instruction to here (scripts/linux-rdtsc.asm). It prints
# to /dev/console, the one device node the archive holds.
/bin/rdtsc

# The archive has a link to /bin/busybox for every applet in these.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "keel-initramfs: /init started"

# cttyhack makes the console (/dev/ttyS0 with console=ttyS0) the shell's
# controlling tty, so job control and ^C work; setsid gives it its own session.
# "poweroff -f" and "reboot -f" stop the guest from here.
export PS1='~ # ' HOME=/ TERM=vt100
cd /
exec setsid cttyhack sh
