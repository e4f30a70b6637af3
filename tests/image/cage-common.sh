#!/usr/bin/env bash
# Shared by the tier A cage tests (sourced after common.sh): balie-kiosk under the cage kiosk compositor
# on the host exactly as the image runs it (non-root user, headless wlroots backend, pixman renderer),
# and the wait for the welcome scene's background pixel #123B5C (18, 59, 92) through grim.
# Provides: cage_setup KIOSK NAME, cage_start CMD..., cage_wait_welcome; sets work, run_as, pid.
# shellcheck disable=SC2034 # work, run_as and pid are used by the sourcing scripts
cage_setup() {  # cage_setup KIOSK NAME: checks, a work folder and the unprivileged user
  kiosk="${1:?kiosk binary}"
  [ -x "$kiosk" ] || fail "balie-kiosk not built at $kiosk"
  need_cmd cage grim Xwayland setpriv
  kiosk=$(readlink -f "$kiosk")
  work=$(mktemp -d "/tmp/balie-$2.XXXXXX")
  chmod 0755 "$work"
  run_as=()
  pid=""
  if [ "$(id -u)" -eq 0 ]; then
    # cage refuses to run as root: use (and if needed create) an unprivileged test user.
    id balie-ci >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin balie-ci
    run_as=(setpriv --reuid=balie-ci --regid=balie-ci --clear-groups --)
    chown balie-ci: "$work"
    setpriv --reuid=balie-ci --regid=balie-ci --clear-groups test -x "$kiosk" || skip "balie-ci cannot execute $kiosk (path not world-readable)"
  fi
  "${run_as[@]}" mkdir -m 0700 "$work/run" "$work/state"
}
cage_start() {  # cage_start CMD...: cage -d -- CMD in the background (pid), log in $work/cage.log
  env -i PATH=/usr/bin:/bin HOME="$work" XDG_RUNTIME_DIR="$work/run" BALIE_STATE_DIR="$work/state" \
    WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 WLR_HEADLESS_OUTPUTS=1 \
    SDL_VIDEODRIVER=wayland MESA_SHADER_CACHE_DISABLE=true \
    "${run_as[@]}" cage -d -- "$@" > "$work/cage.log" 2>&1 &
  pid=$!
}
cage_wait_welcome() {  # fails unless the welcome scene's background shows at (8, 8) within 30 s
  local pixel="" sock
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
}
