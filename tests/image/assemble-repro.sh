#!/usr/bin/env bash
# Tier B: stage 3 of image/build.sh is reproducible: two assemblies of the fixture's rootfs give the same
# root.squashfs, root.verity, kernel, initrd and UKI before signing (SHA256SUMS). The whole proof (two
# builds from the same resolved package set, each with its own base) is tier C's "repro" part.
# Usage: assemble-repro.sh IMAGE_OUT_DIR      (needs root; see image/README.md)
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
out="${1:?image out dir}"
repo=$(repo_dir)
need_root "image assembly"
need_cmd mksquashfs veritysetup
t0=$(date +%s)
for n in 1 2; do
  "$repo/image/build.sh" --assemble-only --out "$out" > "$out/assemble-$n.log" 2>&1 \
    || { tail -20 "$out/assemble-$n.log"; fail "assembly $n failed"; }
  cp "$out/SHA256SUMS" "$out/SHA256SUMS.$n"
done
diff "$out/SHA256SUMS.1" "$out/SHA256SUMS.2" || fail "two assemblies of the same rootfs differ"
cat "$out/SHA256SUMS.1"
echo "PASS: two assemblies identical ($(( $(date +%s) - t0 ))s)"
