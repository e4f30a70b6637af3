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
# start_swtpm DIR PORT: a fresh software TPM 2.0 with its state in DIR, serving on 127.0.0.1:PORT (control
# channel PORT+1, its pid in DIR.pid); prints the pid. Callers kill it on exit.
start_swtpm() {
  mkdir -p "$1"
  swtpm_setup --tpm2 --tpmstate "$1" --createek --overwrite >/dev/null 2>&1 || fail "swtpm_setup failed"
  swtpm socket --tpm2 --tpmstate dir="$1" --flags not-need-init,startup-clear \
    --server type=tcp,port="$2",bindaddr=127.0.0.1 --ctrl type=tcp,port="$(($2 + 1))",bindaddr=127.0.0.1 \
    --pid file="$1.pid" --daemon || fail "swtpm did not start on port $2"
  for _ in $(seq 1 30); do [ -s "$1.pid" ] && break; sleep 0.1; done
  cat "$1.pid"
}
