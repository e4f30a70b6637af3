#!/usr/bin/env bash
# Tier A: balie-kiosk must not outlive its Wayland compositor. Runs it under cage on the host the way
# cage-probe.sh does (non-root user, headless wlroots backend, pixman renderer), waits for the welcome
# scene's pixel, kills cage with SIGKILL and checks that balie-kiosk exits within 5 s with a non-zero
# status and the one-line "display connection lost" message on stderr (so systemd restarts the unit).
# Usage: cage-lost.sh BALIE_KIOSK_BINARY
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
kiosk="${1:?usage: cage-lost.sh BALIE_KIOSK}"
[ -x "$kiosk" ] || fail "balie-kiosk not built at $kiosk"
need_cmd cage grim Xwayland setpriv
kiosk=$(readlink -f "$kiosk")

work=$(mktemp -d /tmp/balie-cage-lost.XXXXXX)
chmod 0755 "$work"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  # cage refuses to run as root: use (and if needed create) an unprivileged test user.
  id balie-ci >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin balie-ci
  run_as=(setpriv --reuid=balie-ci --regid=balie-ci --clear-groups --)
  chown balie-ci: "$work"
  setpriv --reuid=balie-ci --regid=balie-ci --clear-groups test -x "$kiosk" || skip "balie-ci cannot execute $kiosk (path not world-readable)"
fi
# Once cage is gone balie-kiosk is no child of ours, so a wrapper between the two records its status.
cat > "$work/kiosk-wrap" <<EOF
#!/bin/sh
"\$@"
echo \$? > "$work/kiosk.status"
EOF
chmod 0755 "$work/kiosk-wrap"
pid=""
app=""
cleanup() {
  if [ -n "$app" ] && kill -0 "$app" 2>/dev/null; then kill -KILL "$app" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then
    pkill -TERM -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
"${run_as[@]}" mkdir -m 0700 "$work/run" "$work/state"
env -i PATH=/usr/bin:/bin HOME="$work" XDG_RUNTIME_DIR="$work/run" BALIE_STATE_DIR="$work/state" \
  WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 WLR_HEADLESS_OUTPUTS=1 \
  SDL_VIDEODRIVER=wayland MESA_SHADER_CACHE_DISABLE=true \
  "${run_as[@]}" cage -d -- "$work/kiosk-wrap" "$kiosk" > "$work/cage.log" 2>&1 &
pid=$!
pixel=""
for _ in $(seq 1 60); do
  sleep 0.5
  kill -0 "$pid" 2>/dev/null || { cat "$work/cage.log" >&2; fail "cage/balie-kiosk exited early"; }
  sock=$(find "$work/run" -maxdepth 1 -name 'wayland-*' -type s 2>/dev/null | head -1)
  [ -n "$sock" ] || continue
  pixel=$(env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$work/run" WAYLAND_DISPLAY="${sock##*/}" \
    "${run_as[@]}" grim -g "8,8 1x1" -t ppm - 2>/dev/null | tail -c 3 | od -An -tu1 | awk 'NF==3 {print $1","$2","$3}')
  [ "$pixel" = "18,59,92" ] && break
done
if [ "$pixel" != "18,59,92" ]; then
  tail -20 "$work/cage.log" >&2
  fail "welcome scene background not found at (8,8): got '${pixel:-no screenshot}', want 18,59,92"
fi
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
