#!/usr/bin/env bash
# Measures balie-kiosk's CPU use while idle on the welcome scene: starts it under Xvfb, waits for
# the first frames, then reads utime+stime from /proc/PID/stat over a window. Prints one line.
# Usage: bench/kiosk/idle_cpu.sh [BUILD_DIR] [SECONDS]   (default build/default, 20 s)
set -euo pipefail
build=${1:-build/default}
secs=${2:-20}
kiosk="$build/kiosk/balie-kiosk"
[ -x "$kiosk" ] || { echo "idle_cpu: $kiosk not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'kill "$kpid" "$xpid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
exec 3>"$tmp/displayfd"
Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
for _ in $(seq 50); do [ -s "$tmp/displayfd" ] && break; sleep 0.1; done
display=":$(head -n1 "$tmp/displayfd")"
DISPLAY=$display SDL_AUDIODRIVER=dummy BALIE_STATE_DIR="$tmp/state" "$kiosk" --windowed 1920x1080 >/dev/null 2>&1 &
kpid=$!
sleep 3
ticks() { awk '{print $14 + $15}' "/proc/$kpid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
sleep "$secs"
t1=$(ticks)
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" \
  'BEGIN { printf "balie-kiosk idle: %d ticks (%.3f s CPU) in %d s = %.3f%% of one core\n", b - a, (b - a) / hz, s, 100 * (b - a) / hz / s }'
