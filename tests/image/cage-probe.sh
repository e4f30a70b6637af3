#!/usr/bin/env bash
# Tier A: runs balie-kiosk under the cage kiosk compositor on the host exactly as the image does
# (non-root user, seat-less headless wlroots backend, pixman renderer), takes a grim screenshot and
# checks that pixel (8, 8) is the welcome scene's background #123B5C (18, 59, 92).
# Usage: cage-probe.sh BALIE_KIOSK_BINARY
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
# shellcheck source=/dev/null # cage-common.sh next to this script
. "$(dirname "$0")/cage-common.sh"
work="" kiosk="" pid=""   # set by cage_setup
cage_setup "${1:?usage: cage-probe.sh BALIE_KIOSK}" cage
cleanup() {
  if [ -n "$pid" ]; then
    pkill -TERM -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cage_start "$kiosk"
cage_wait_welcome
# SIGTERM to balie-kiosk ends it cleanly, and cage ends with its client. (cage 0.1.4 itself
# aborts on SIGTERM in wl_display_terminate; the unit therefore stops the app first, see README.)
app=$(pgrep -P "$pid" -x balie-kiosk) || fail "no balie-kiosk process under cage"
kill -TERM "$app"
for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
if kill -0 "$pid" 2>/dev/null; then fail "cage did not end within 5 s of SIGTERM"; fi
rc=0; wait "$pid" || rc=$?
pid=""
echo "cage exit status after SIGTERM: $rc"
grep -q . "$work/cage.log" && tail -5 "$work/cage.log"
echo "PASS: balie-kiosk under cage shows the welcome scene"
