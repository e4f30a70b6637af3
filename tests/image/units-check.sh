#!/usr/bin/env bash
# Tier A: the Balie systemd units. "verify" runs systemd-analyze verify --root=ROOTFS on every unit of
# the built rootfs; "security" rates each unit with systemd-analyze security --offline and fails above
# the exposure threshold (3.0), printing each unit's score.
# Usage: units-check.sh verify ROOTFS | units-check.sh security UNITS_DIR [THRESHOLD]
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
need_cmd systemd-analyze
product_units=(balie-kiosk.service balie-syncd.service balie-provision.service balie-health.service balie-update.service
  balie-data-setup.service balie-enrol-request.service balie-enrol-apply.service balie-identity.service balie-config-changed.service
  balie-trust.service balie-trust-bless.service balie-epoch-check.service)
case "${1:-}" in
  verify)
    root="${2:?rootfs}"
    [ -d "$root/usr/lib/systemd/system" ] || fail "no rootfs at $root (the image_rootfs fixture builds it)"
    failures=0
    for u in balie-kiosk.service balie-syncd.service balie-syncd.timer balie-syncd-request.path balie-provision.service \
           balie-health.service balie-update.service balie-update.path balie-data-setup.service balie-selftest.service \
           balie-enrol-request.service balie-enrol-apply.service balie-identity.service balie-config.path \
           balie-config-changed.service balie-trust.service balie-trust-bless.service balie-epoch-check.service; do
      [ -f "$root/usr/lib/systemd/system/$u" ] || { echo "FAIL $u missing from the rootfs"; failures=$((failures + 1)); continue; }
      # verify prints warnings of unrelated distribution units too; only lines about our unit count.
      out=$(systemd-analyze verify --root="$root" --man=no "$u" 2>&1 || true)
      ours=$(grep -E "(^|/)$u|balie" <<<"$out" || true)
      rc=0; systemd-analyze verify --root="$root" --man=no "$u" >/dev/null 2>&1 || rc=$?
      if [ -n "$ours" ] || [ "$rc" -ne 0 ]; then
        echo "FAIL $u (exit $rc)"; printf '     %s\n' "$out"; failures=$((failures + 1))
      else
        echo "ok   $u"
      fi
    done
    [ "$failures" -eq 0 ] || fail "$failures unit(s) did not verify"
    ;;
  security)
    dir="${2:?units dir}"; threshold="${3:-3.0}"
    failures=0
    for u in "${product_units[@]}"; do
      out=$(cd "$dir" && systemd-analyze security --offline=true --no-pager --threshold=100 "$u" 2>&1) || true
      score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
      [ -n "$score" ] || { echo "$out" >&2; fail "no score for $u"; }
      if awk -v s="$score" -v t="$threshold" 'BEGIN{exit !(s <= t)}'; then
        echo "ok   $u exposure $score (threshold $threshold)"
      else
        echo "FAIL $u exposure $score > $threshold"; grep '✗' <<<"$out" | sed 's/^/     /'; failures=$((failures + 1))
      fi
    done
    [ "$failures" -eq 0 ] || fail "$failures unit(s) above the threshold"
    ;;
  *) echo "usage: units-check.sh verify ROOTFS | security UNITS_DIR [THRESHOLD]" >&2; exit 2 ;;
esac
