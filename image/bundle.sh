#!/usr/bin/env bash
# Makes an update bundle from a built image (image/build.sh output): a plain tar with the root slot
# (root.squashfs + root.verity), one signed UKI per slot (balie-a.efi, balie-b.efi: they differ only in
# the slot named on the command line) and a manifest (version, root hash, sizes, security epoch, PCR-policy keys). The installer on the terminal trusts the bundle
# through the UKI's Secure Boot signature, whose command line carries the verity root hash.
# Usage: image/bundle.sh OUT_DIR BUNDLE.tar [--version V] [--extra "KERNEL ARGS"]   (tests: --extra)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="${1:?usage: bundle.sh OUT_DIR BUNDLE.tar [--version V] [--extra ARGS]}"; bundle="${2:?bundle file}"; shift 2
version="" extra=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --extra) extra="$2"; shift 2 ;;
    *) echo "bundle.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for f in root.squashfs root.verity roothash kernel initrd cmdline version; do
  [ -f "$out/$f" ] || { echo "bundle.sh: $out/$f missing (run image/build.sh first)" >&2; exit 1; }
done
version="${version:-$(cat "$out/version")}"
[[ "$version" =~ ^[0-9]+$ ]] || { echo "bundle.sh: the version must be a number (got '$version')" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/balie-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
for slot in a b; do
  "$here/uki.sh" build "$out" "$work/balie-$slot.efi" --slot "$slot" --version "$version" ${extra:+--extra "$extra"}
done
ln "$out/root.squashfs" "$work/root.squashfs" 2>/dev/null || cp "$out/root.squashfs" "$work/root.squashfs"
ln "$out/root.verity" "$work/root.verity" 2>/dev/null || cp "$out/root.verity" "$work/root.verity"
{
  echo "version=$version"
  echo "roothash=$(cat "$out/roothash")"
  echo "squashfs_size=$(stat -c %s "$out/root.squashfs")"
  echo "verity_size=$(stat -c %s "$out/root.verity")"
  echo "commit=$(cat "$out/rootfs/usr/lib/balie/commit" 2>/dev/null || echo unknown)"
  # Trust (image/README.md): the security epoch of the UKIs (the installer refuses one below the TPM's
  # minimum) and the fingerprints of the PCR-policy keys they are signed with (the installer takes
  # the keys themselves from the signed UKI; this line is for COA and people).
  echo "security_epoch=$(tr -c '[:print:]\n' '\n' < "$work/balie-a.efi" | sed -n 's/^BALIE_SECURITY_EPOCH=//p' | head -1)"
  mkdir -p "$work/keys"
  sh "$here/rootfs/usr/lib/balie/tpm-policy" keys-of-uki "$work/balie-a.efi" "$work/keys"
  echo "pcr_keys=$(find "$work/keys" -name '*.pem' -printf '%f\n' | sed 's/\.pem$//' | sort | paste -sd, -)"
} > "$work/manifest"
# manifest first: the installer reads it before anything else.
tar --format=gnu --owner=0 --group=0 --mtime="@${SOURCE_DATE_EPOCH:-0}" -C "$work" -cf "$bundle" \
  manifest balie-a.efi balie-b.efi root.squashfs root.verity
echo "bundle.sh: $bundle (version $version, $(du -h "$bundle" | cut -f1))"
