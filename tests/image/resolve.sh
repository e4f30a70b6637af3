#!/usr/bin/env bash
# Tier A: the image's package resolution (image/resolve-manifest.sh) against the archive as it is today.
# Depends on no particular version staying in or leaving the archive: the withdrawn versions are made up.
# 1. Two resolutions give the same resolved manifest.
# 2. A lock made from that result with one version the archive never had, one package nothing needs and
#    one package left out: exactly one "moved:" line (to the newest version the archive lists), one
#    "dropped:", one "added:", and the same set otherwise.
# 3. A package of packages.txt that the archive does not have stops the resolution with a clear error.
# Needs the network (Debian's archive), not root. Usage: resolve.sh WORK_DIR (apt indexes cached there)
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
work="${1:?work dir}"
repo=$(repo_dir)
need_cmd apt-get apt-cache
resolve="$repo/image/resolve-manifest.sh"
mkdir -p "$work"
body() { grep -v '^#' "$1"; }
t0=$(date +%s)

# 1. Deterministic
"$resolve" --out "$work" > "$work/run1.log" || { cat "$work/run1.log"; fail "resolution failed"; }
cp "$work/manifest.resolved" "$work/run1.resolved"
"$resolve" --out "$work" > "$work/run2.log" || { cat "$work/run2.log"; fail "second resolution failed"; }
cmp -s "$work/run1.resolved" "$work/manifest.resolved" || { diff "$work/run1.resolved" "$work/manifest.resolved"; fail "two resolutions differ"; }
n=$(body "$work/run1.resolved" | wc -l)
[ "$n" -gt 100 ] || fail "only $n packages resolved"
tail -1 "$work/run1.log"
echo "ok   two resolutions give the same $n packages"

# 2. Withdrawn, unneeded and missing entries in the lock
moved_pkg=zlib1g added_pkg=sed
for p in "$moved_pkg" "$added_pkg"; do grep -q "^$p " "$work/run1.resolved" || fail "$p not in the resolved set"; done
{ echo "# test lock"
  body "$work/run1.resolved" | grep -v "^$added_pkg " \
    | awk -v p="$moved_pkg" '$1 == p { $2 = "1:0.0-0balie.withdrawn" } { print }'
  echo "balie-test-no-longer-needed 1.0-1 all"
} > "$work/test.lock"
"$resolve" --out "$work" --lock "$work/test.lock" > "$work/run3.log" || { cat "$work/run3.log"; fail "resolution of the test lock failed"; }
drift=$(grep -E '^(moved|added|dropped):' "$work/run3.log" || true)
[ "$(wc -l <<<"$drift")" -eq 3 ] || fail "expected 3 drift lines, got: $drift"
grep -qx "dropped: balie-test-no-longer-needed 1.0-1" <<<"$drift" || fail "no dropped line: $drift"
grep -qx "added: $added_pkg $(awk -v p="$added_pkg" '$1 == p {print $2}' "$work/run1.resolved")" <<<"$drift" || fail "no added line: $drift"
new=$(sed -n "s/^moved: $moved_pkg 1:0.0-0balie.withdrawn -> //p" <<<"$drift")
[ -n "$new" ] || fail "no moved line for $moved_pkg: $drift"
newest=""
for v in $(APT_CONFIG="$work/apt/apt.conf" apt-cache madison "$moved_pkg" | awk -F'|' '{gsub(/ /, "", $2); print $2}'); do
  if [ -z "$newest" ] || dpkg --compare-versions "$v" gt "$newest"; then newest="$v"; fi
done
[ "$new" = "$newest" ] || fail "$moved_pkg moved to $new, the archive's newest is $newest"
diff <(body "$work/run1.resolved" | grep -v "^$moved_pkg ") <(body "$work/manifest.resolved" | grep -v "^$moved_pkg ") \
  || fail "the rest of the set changed"
echo "ok   withdrawn version moved ($moved_pkg -> $new), unneeded package dropped, missing one added"

# 3. A package the archive does not have
printf 'systemd\nbalie-no-such-package\n' > "$work/test-packages.txt"
if "$resolve" --out "$work" --packages "$work/test-packages.txt" > "$work/run4.log" 2>&1; then
  fail "a package missing from the archive was accepted"
fi
grep -q 'balie-no-such-package .* is not in the archive' "$work/run4.log" || { cat "$work/run4.log"; fail "no clear error"; }
echo "ok   a package missing from the archive: $(grep -m1 'is not in the archive' "$work/run4.log")"
rm -f "$work/manifest.resolved"   # the test sets are not a build's
echo "PASS: resolution in $(( $(date +%s) - t0 ))s"
