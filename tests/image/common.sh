#!/usr/bin/env bash
# Shared helpers of the image tests (sourced): skip with a reason (ctest SKIP_RETURN_CODE 77),
# fail with a reason, and require root only where a capability really needs it.
# shellcheck disable=SC2034 # used by the sourcing scripts
SKIP=77
skip() { echo "SKIP: $*"; exit "$SKIP"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root ($*)"; }
need_cmd() { local c; for c in "$@"; do command -v "$c" >/dev/null || skip "$c is not installed (scripts/setup.sh installs it)"; done; }
repo_dir() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }
