#!/usr/bin/env bash
# README's test command: installs missing Debian packages, builds (preset "default") and runs every
# test with ctest. Exits non-zero on any failure. Works without a display (tests start Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)"
ctest --preset default -j"$(nproc)" "$@"
