#!/usr/bin/env bash
# Measures balie-kiosk's start-up: N runs of start -> first frame of the welcome scene -> exit (a
# one-step script), under Xvfb, on a store seeded by a first run. Prints the median and mean wall
# time, and the task-clock of the runs when `perf` is installed (perf stat -r N).
# Usage: bench/kiosk/startup.sh [KIOSK_BINARY] [RUNS]   (default build/default/kiosk/balie-kiosk, 20)
set -euo pipefail
kiosk=${1:-build/default/kiosk/balie-kiosk}
runs=${2:-20}
[ -x "$kiosk" ] || { echo "startup: $kiosk not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'kill "$xpid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
exec 3>"$tmp/displayfd"
Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
for _ in $(seq 50); do [ -s "$tmp/displayfd" ] && break; sleep 0.1; done
export DISPLAY=":$(head -n1 "$tmp/displayfd")" SDL_AUDIODRIVER=dummy BALIE_STATE_DIR="$tmp/state"
unset BALIE_MODE
printf 'wait-scene welcome\n' >"$tmp/start.balie"
run() { "$kiosk" --windowed 1280x800 --script "$tmp/start.balie" >/dev/null 2>&1; }
run  # seeds the demo store (not measured)
for _ in $(seq "$runs"); do
  t0=$(date +%s%N); run; t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
done | sort -n | awk -v k="$kiosk" '{ a[NR] = $1; s += $1 } END {
  printf "%s: %d runs, median %.1f ms, mean %.1f ms, min %.1f ms, max %.1f ms\n", k, NR, a[int((NR + 1) / 2)] / 1000,
         s / NR / 1000, a[1] / 1000, a[NR] / 1000 }'
if command -v perf >/dev/null 2>&1; then
  perf stat -r "$runs" -e task-clock "$kiosk" --windowed 1280x800 --script "$tmp/start.balie" 2>&1 >/dev/null |
    grep -E "task-clock|elapsed" || true
fi
