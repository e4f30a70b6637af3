#!/usr/bin/env bash
# Imaging station: writes an enrolment bundle onto a Balie disk's balie-provisioning partition (4 MiB):
# the bundle file's bytes at its start, zeros after them (balie-admin bundle apply stops at the first
# NUL). DISK is a disk image file (no root needed) or a block device (the whole disk). Refuses a bundle
# larger than the partition minus one byte (the terminating NUL) or containing a NUL byte.
# Usage: image/write-bundle.sh DISK BUNDLE     (BUNDLE "-" or an empty file: clear the partition)
set -euo pipefail
disk="${1:?usage: write-bundle.sh DISK BUNDLE}"
bundle="${2:?usage: write-bundle.sh DISK BUNDLE}"
die() { echo "write-bundle.sh: $*" >&2; exit 1; }
[ -e "$disk" ] || die "no disk $disk"
command -v sfdisk >/dev/null || die "sfdisk missing (util-linux fdisk)"
# The partition named balie-provisioning: start and size in 512-byte sectors from the GPT.
parts=$(sfdisk --dump "$disk" 2>/dev/null) || die "$disk has no partition table"
grep -q '^sector-size: 512$' <<<"$parts" || ! grep -q '^sector-size:' <<<"$parts" || die "$disk: sector size is not 512"
match=$(grep -E 'name="balie-provisioning"' <<<"$parts" || true)
[ "$(grep -c . <<<"$match")" -eq 1 ] || die "$disk has no (single) balie-provisioning partition"
start=$(sed -nE 's/.*start= *([0-9]+).*/\1/p' <<<"$match")
sectors=$(sed -nE 's/.*size= *([0-9]+).*/\1/p' <<<"$match")
{ [ -n "$start" ] && [ -n "$sectors" ]; } || die "cannot read the balie-provisioning partition's place: $match"
size=$((sectors * 512))
if [ "$bundle" = - ]; then len=0; else
  [ -f "$bundle" ] || die "no bundle file $bundle"
  len=$(stat -c %s "$bundle")
fi
[ "$len" -le $((size - 1)) ] || die "bundle $bundle is $len bytes; the partition holds at most $((size - 1))"
if [ "$len" -gt 0 ] && [ "$(tr -d '\000' < "$bundle" | wc -c)" -ne "$len" ]; then die "bundle $bundle contains a NUL byte"; fi
# One write of exactly the partition's size: the bundle, then zeros (no stale bytes of an older one).
{ [ "$len" -eq 0 ] || cat "$bundle"; head -c $((size - len)) /dev/zero; } |
  dd of="$disk" bs=512 seek="$start" count="$sectors" iflag=fullblock conv=notrunc,fsync status=none
echo "write-bundle.sh: wrote $len bytes of bundle + $((size - len)) zero bytes to balie-provisioning of $disk (at sector $start)"
