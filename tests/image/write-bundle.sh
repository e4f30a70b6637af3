#!/usr/bin/env bash
# Tier A: image/write-bundle.sh on a GPT disk image file (no root): the bundle's bytes at the start of
# the balie-provisioning partition and zeros after them (an older, longer bundle leaves no bytes
# behind), the neighbouring partitions untouched; a bundle of the partition's size, a bundle with a
# NUL byte and a disk without the partition are refused without writing anything.
# Usage: write-bundle.sh WORK_DIR
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
need_cmd sfdisk
work="${1:?work dir}"
repo=$(repo_dir)
wb="$repo/image/write-bundle.sh"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
mib=$((1024 * 1024))
truncate -s $((12 * mib)) disk.img
printf 'label: gpt\nstart=1MiB, size=4MiB, type=linux, name=balie-data\nstart=5MiB, size=4MiB, type=linux, name=balie-provisioning\nstart=9MiB, size=2MiB, type=linux, name=after\n' |
  sfdisk --quiet disk.img
head -c $((10 * mib)) /dev/urandom | dd of=disk.img bs=1M seek=1 conv=notrunc status=none   # old bytes everywhere
part() { dd if=disk.img bs=1M skip="$1" count="$2" status=none; }
data_before=$(part 1 4 | sha256sum); after_before=$(part 9 2 | sha256sum)
head -c 5000 /dev/urandom | base64 -w0 > long.json; printf '{"format":"balie-enrolment-bundle"}' > short.json
"$wb" disk.img long.json > /dev/null
"$wb" disk.img short.json > /dev/null
cmp <(part 5 4) <(cat short.json; head -c $((4 * mib - $(stat -c %s short.json))) /dev/zero) \
  || fail "the partition is not the bundle followed by zeros"
[ "$(part 1 4 | sha256sum)" = "$data_before" ] || fail "the partition before it changed"
[ "$(part 9 2 | sha256sum)" = "$after_before" ] || fail "the partition after it changed"
echo "ok   bundle + zeros written, neighbours untouched"
snapshot=$(sha256sum < disk.img)
head -c $((4 * mib)) /dev/zero | tr '\0' x > full.json
if "$wb" disk.img full.json 2>err; then fail "a 4 MiB bundle was written"; fi
grep -q 'at most 4194303' err || fail "no reason for the size refusal: $(cat err)"
printf 'abc\0def' > nul.json
if "$wb" disk.img nul.json 2>err; then fail "a bundle with a NUL byte was written"; fi
grep -q 'NUL' err || fail "no reason for the NUL refusal: $(cat err)"
truncate -s $((4 * mib)) other.img; printf 'label: gpt\nstart=1MiB, size=2MiB, type=linux, name=esp\n' | sfdisk --quiet other.img
if "$wb" other.img short.json 2>err; then fail "a disk without balie-provisioning was written"; fi
grep -q 'no (single) balie-provisioning' err || fail "no reason for the missing partition: $(cat err)"
[ "$(sha256sum < disk.img)" = "$snapshot" ] || fail "a refused bundle changed the disk"
echo "ok   refused: 4 MiB bundle, NUL byte, no partition (nothing written)"
"$wb" disk.img - > /dev/null
[ "$(part 5 4 | tr -d '\0' | wc -c)" = 0 ] || fail "clearing left bytes"
echo "PASS: write-bundle.sh"
