#!/usr/bin/env bash
# Tier A: shellcheck on every shell script of the image (build, hooks, initramfs, in-image scripts)
# and of its tests. Fails on any finding, including info-level ones.
# Usage: shellcheck.sh
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
need_cmd shellcheck
repo=$(repo_dir)
mapfile -t scripts < <(cd "$repo" && { find image tests/image -type f -name '*.sh'; \
  find image/hooks image/initramfs image/rootfs/usr/lib/balie -type f; } | sort -u)
[ "${#scripts[@]}" -ge 10 ] || fail "found only ${#scripts[@]} scripts: wrong directory?"
cd "$repo"
shellcheck -x --severity=info "${scripts[@]}"
echo "PASS: shellcheck clean (${#scripts[@]} scripts)"
