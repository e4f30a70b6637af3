#!/usr/bin/env bash
# README's demo command: installs missing Debian packages, builds (preset "default") and runs the
# kiosk on the embedded demo data. With a display it opens the kiosk window (add --windowed WxH for a
# window); without one it runs the same app under Xvfb through the scripted demo session and writes
# a PNG of every screen it passed to a folder it prints. State lives in ./build/demo-state unless
# BALIE_STATE_DIR is set. Extra arguments go to balie-kiosk.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)"

export BALIE_STATE_DIR="${BALIE_STATE_DIR:-$root/build/demo-state}"
export BALIE_CONFIG_DIR="${BALIE_CONFIG_DIR:-$root/build/demo-state/config}"
mkdir -p "$BALIE_STATE_DIR"
kiosk="$root/build/default/kiosk/balie-kiosk"

# The local municipality receivers for the demo, when the sync layer provides them.
if [ -x scripts/demo-inbox.sh ]; then
  scripts/demo-inbox.sh start
  trap 'scripts/demo-inbox.sh stop || true' EXIT
fi

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$kiosk" "$@"
fi

shots="$root/build/demo-shots"
rm -rf "$shots"
mkdir -p "$shots"
echo "demo: no display found; running the scripted demo session under Xvfb"
SDL_AUDIODRIVER="${SDL_AUDIODRIVER:-dummy}" xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" \
  "$kiosk" --script "$root/assets/demo/demo-session.balie" --shots "$shots" "$@"
echo "demo: screenshots of every screen are in $shots"
