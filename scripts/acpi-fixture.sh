#!/usr/bin/env bash
# Turn the tables Keel printed with acpi=dump into unit-test fixtures:
# one binary file per table, named SIG@0xADDRESS.bin (RSDP@0x0.bin for the
# RSDP), in DIR.
#   scripts/run.sh --emu qemu --cpus 4 --cmdline acpi=dump --log build/acpi.log
#   scripts/acpi-fixture.sh build/acpi.log tests/unit/fixtures/acpi/qemu-bios
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: acpi-fixture.sh SERIAL-LOG DIR" >&2; exit 2; }
mkdir -p "$2"
tr -d '\r' < "$1" | DIR=$2 perl -ne '
    if (/\] acpidump: (\S{4}) 0x([0-9a-f]+) (\d+)$/) {
        close $f if $f;
        open $f, ">", sprintf("%s/%s\@0x%s.bin", $ENV{DIR}, $1, $2) or die;
        binmode $f;
    } elsif (/\] acpidump: ([0-9a-f]+)$/) {
        print $f pack("H*", $1);
    }'
ls -l "$2"
