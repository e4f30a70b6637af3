#!/usr/bin/env bash
# Runs a command that needs root (mmdebstrap, chroot, loop-free image assembly, swtpm for qemu):
# as is when we are root, otherwise skips with ctest's code 77 and says why (never passes vacuously).
# Usage: run-as-root.sh COMMAND [ARGS...]
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: $(basename "$1") needs root (mmdebstrap root mode, chroot, file ownership in the image)"
  exit 77
fi
exec "$@"
