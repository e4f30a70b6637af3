#!/usr/bin/env bash
# Tier A: runs balie-kiosk under the cage kiosk compositor on the host exactly as the image does
# (non-root user, seat-less headless wlroots backend, pixman renderer), takes a grim screenshot and
# checks that pixel (8, 8) is the welcome scene's background #123B5C (18, 59, 92).
# Usage: cage-probe.sh BALIE_KIOSK_BINARY
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
kiosk="${1:?usage: cage-probe.sh BALIE_KIOSK}"
[ -x "$kiosk" ] || fail "balie-kiosk not built at $kiosk"
need_cmd cage grim Xwayland setpriv
kiosk=$(readlink -f "$kiosk")

work=$(mktemp -d /tmp/balie-cage.XXXXXX)
chmod 0755 "$work"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  # cage refuses to run as root: use (and if needed create) an unprivileged test user.
  id balie-ci >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin balie-ci
  run_as=(setpriv --reuid=balie-ci --regid=balie-ci --clear-groups --)
  chown balie-ci: "$work"
  # the binary must be reachable by that user
  setpriv --reuid=balie-ci --regid=balie-ci --clear-groups test -x "$kiosk" || skip "balie-ci cannot execute $kiosk (path not world-readable)"
fi
pid=""
cleanup() {
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
  "${run_as[@]}" cage -d -- "$kiosk" > "$work/cage.log" 2>&1 &
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
echo "pixel (8,8) = ${pixel:-none}"
if [ "$pixel" != "18,59,92" ]; then
  tail -20 "$work/cage.log" >&2
  fail "welcome scene background not found at (8,8): got '${pixel:-no screenshot}', want 18,59,92"
fi
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
