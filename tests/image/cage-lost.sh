#!/usr/bin/env bash
# Tier A: balie-kiosk must not outlive its Wayland compositor. Runs it under cage on the host the way
# cage-probe.sh does (non-root user, headless wlroots backend, pixman renderer), waits for the welcome
# scene's pixel, kills cage with SIGKILL and checks that balie-kiosk exits within 5 s with a non-zero
# status and the one-line "display connection lost" message on stderr (so systemd restarts the unit).
# Usage: cage-lost.sh BALIE_KIOSK_BINARY
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
# shellcheck source=/dev/null # cage-common.sh next to this script
. "$(dirname "$0")/cage-common.sh"
work="" kiosk="" pid=""   # set by cage_setup
cage_setup "${1:?usage: cage-lost.sh BALIE_KIOSK}" cage-lost
# Once cage is gone balie-kiosk is no child of ours, so a wrapper between the two records its status.
cat > "$work/kiosk-wrap" <<EOF
#!/bin/sh
"\$@"
echo \$? > "$work/kiosk.status"
EOF
chmod 0755 "$work/kiosk-wrap"
app=""
cleanup() {
  if [ -n "$app" ] && kill -0 "$app" 2>/dev/null; then kill -KILL "$app" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then
    pkill -TERM -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cage_start "$work/kiosk-wrap" "$kiosk"
cage_wait_welcome
wrap=$(pgrep -P "$pid" -f kiosk-wrap) || fail "no kiosk wrapper under cage"
app=$(pgrep -P "$wrap" -x balie-kiosk) || fail "no balie-kiosk process under cage"
echo "welcome scene shown; killing cage (pid $pid) with SIGKILL, balie-kiosk is pid $app"
{ kill -KILL "$pid"; wait "$pid"; } 2>/dev/null || true  # quiet: no "Killed" job notice
pid=""
start=$(date +%s%N)
for _ in $(seq 1 50); do
  [ -s "$work/kiosk.status" ] && break
  sleep 0.1
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ ! -s "$work/kiosk.status" ]; then
  ps -o pid,stat,pcpu,etime,cmd -p "$app" >&2 || true
  tail -5 "$work/cage.log" >&2
  fail "balie-kiosk still runs 5 s after its compositor was killed"
fi
rc=$(cat "$work/kiosk.status")
app=""
echo "balie-kiosk exited with status $rc after ${ms} ms"
line=$(grep -m1 'balie-kiosk: display connection lost' "$work/cage.log" || true)
[ -n "$line" ] && echo "log: $line"
[ "$rc" -ne 0 ] || fail "balie-kiosk exited with status 0 after losing its compositor (want non-zero)"
[ "$rc" -lt 128 ] || { tail -5 "$work/cage.log" >&2; fail "balie-kiosk died from signal $((rc - 128)) instead of exiting"; }
[ -n "$line" ] || { tail -5 "$work/cage.log" >&2; fail "no 'balie-kiosk: display connection lost' line on stderr"; }
echo "PASS: balie-kiosk exits when its compositor goes away"
