#!/usr/bin/env bash
# Checks sync/systemd/balie-inbox.service (ctest sync_inbox_unit): systemd-analyze verify prints
# nothing about the unit (unknown keys, bad values, a non-executable ExecStart: the unit's ExecStart is
# pointed at the built balie-inbox for this), and systemd-analyze security --offline rates it at or
# below THRESHOLD. Skipped (exit 77) where systemd-analyze is not installed.
# Usage: inbox-unit-check.sh UNIT BALIE_INBOX_BINARY [THRESHOLD]
set -euo pipefail
unit=$1 binary=$2 threshold=${3:-2.0}
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#/usr/bin/balie-inbox#$binary#" "$unit" > "$tmp/balie-inbox.service"
out=$(systemd-analyze verify --man=no "$tmp/balie-inbox.service" 2>&1) || { echo "$out"; echo "FAIL: verify exited non-zero"; exit 1; }
if grep -q "balie-inbox" <<<"$out"; then echo "$out"; echo "FAIL: verify reported problems in the unit"; exit 1; fi
cp "$unit" "$tmp/sec.service"
sec=$(cd "$tmp" && systemd-analyze security --offline=true --no-pager --threshold=100 sec.service 2>&1) || true
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$sec")
[ -n "$score" ] || { echo "$sec"; echo "FAIL: no exposure score"; exit 1; }
awk -v s="$score" -v t="$threshold" 'BEGIN{exit !(s <= t)}' || { grep '✗' <<<"$sec"; echo "FAIL: exposure $score > $threshold"; exit 1; }
echo "ok balie-inbox.service: verify clean, exposure $score (threshold $threshold)"
