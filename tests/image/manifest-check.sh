#!/usr/bin/env bash
# Tier A: the image carries the package set it was built from: /usr/lib/balie/manifest in the rootfs is
# the build's resolved manifest (build output manifest.resolved) and lists exactly the packages dpkg has
# installed in the rootfs, at the same versions.
# Usage: manifest-check.sh ROOTFS IMAGE_OUT_DIR
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
root="${1:?rootfs}" out="${2:?image out dir}"
need_cmd dpkg-query
[ -f "$root/usr/lib/balie/manifest" ] || fail "no /usr/lib/balie/manifest in $root"
[ -f "$out/manifest.resolved" ] || fail "no manifest.resolved in $out"
cmp -s "$root/usr/lib/balie/manifest" "$out/manifest.resolved" || fail "the image's manifest is not $out/manifest.resolved"
entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | awk '{print $1, $2, $3}' | LC_ALL=C sort; }
# shellcheck disable=SC2016 # dpkg-query format
installed=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Package} ${Version} ${Architecture}\n' | LC_ALL=C sort)
diff <(entries "$root/usr/lib/balie/manifest") - <<<"$installed" || fail "the image's manifest (<) differs from its dpkg database (>)"
echo "PASS: the image's manifest lists its $(wc -l <<<"$installed") installed packages exactly"
