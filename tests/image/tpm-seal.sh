#!/usr/bin/env bash
# Tier A: TPM sealing as the image does it (systemd-creds --with-key=tpm2 --tpm2-pcrs=7), against a
# software TPM (swtpm) on local TCP: the round trip returns the key; after PCR 7 is extended (Secure
# Boot state changed) decryption fails; a different TPM cannot decrypt it either.
# Usage: tpm-seal.sh
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
need_cmd swtpm swtpm_setup systemd-creds tpm2_pcrextend
ls /usr/lib/x86_64-linux-gnu/libtss2-tcti-swtpm.so.0* >/dev/null 2>&1 || skip "libtss2-tcti-swtpm0 missing"

work=$(mktemp -d /tmp/balie-tpm.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

start_tpm() {  # start_tpm NAME PORT: a fresh swtpm with its own state, serving on 127.0.0.1:PORT
  mkdir -p "$work/$1"
  swtpm_setup --tpm2 --tpmstate "$work/$1" --createek --overwrite >/dev/null 2>&1 || fail "swtpm_setup failed"
  swtpm socket --tpm2 --tpmstate dir="$work/$1" --flags not-need-init,startup-clear \
    --server type=tcp,port="$2",bindaddr=127.0.0.1 --ctrl type=tcp,port="$(($2 + 1))",bindaddr=127.0.0.1 \
    --pid file="$work/$1.pid" --daemon || fail "swtpm did not start on port $2"
  for _ in $(seq 1 20); do [ -s "$work/$1.pid" ] && break; sleep 0.1; done
  pids+=("$(cat "$work/$1.pid")")
}
port=$((20000 + ($$ % 5000) * 4))
start_tpm a "$port"
start_tpm b "$((port + 2))"
tpm_a="swtpm:host=127.0.0.1,port=$port"
tpm_b="swtpm:host=127.0.0.1,port=$((port + 2))"
extend7() { TPM2TOOLS_TCTI="$1" tpm2_pcrextend "7:sha256=$2" >/dev/null || fail "tpm2_pcrextend failed"; }
# What firmware does at boot: measure the Secure Boot state into PCR 7.
extend7 "$tpm_a" "$(printf 'secure-boot-on' | sha256sum | cut -d' ' -f1)"

head -c 32 /dev/urandom > "$work/key"
systemd-creds encrypt --with-key=tpm2 --tpm2-device="$tpm_a" --tpm2-pcrs=7 --name=balie-db-key \
  "$work/key" "$work/key.cred" 2>"$work/enc.err" || { cat "$work/enc.err" >&2; fail "sealing failed"; }
grep -q "PCR policy is effectively not enforced" "$work/enc.err" && fail "PCR 7 policy not enforced at sealing"
cmp -s "$work/key" "$work/key.cred" && fail "credential is the plaintext"

# 1. round trip on the same TPM, same PCR 7
systemd-creds decrypt --tpm2-device="$tpm_a" --name=balie-db-key "$work/key.cred" "$work/out" 2>"$work/dec.err" \
  || { cat "$work/dec.err" >&2; fail "decryption on the sealing TPM failed"; }
cmp -s "$work/key" "$work/out" || fail "round trip returned different bytes"
echo "ok   round trip on the sealing TPM"

# 2. a different TPM (another terminal, a replaced board) cannot decrypt
rm -f "$work/out"
if systemd-creds decrypt --tpm2-device="$tpm_b" --name=balie-db-key "$work/key.cred" "$work/out" 2>/dev/null; then
  fail "a different TPM decrypted the credential"
fi
echo "ok   a different TPM cannot decrypt"

# 3. PCR 7 extended (Secure Boot state changed): decryption fails closed
extend7 "$tpm_a" "$(printf 'secure-boot-off' | sha256sum | cut -d' ' -f1)"
if systemd-creds decrypt --tpm2-device="$tpm_a" --name=balie-db-key "$work/key.cred" "$work/out" 2>"$work/dec2.err"; then
  fail "decryption still works after PCR 7 was extended"
fi
grep -qi "policy" "$work/dec2.err" || { cat "$work/dec2.err" >&2; fail "decryption failed, but not because of the PCR policy"; }
echo "ok   PCR 7 extended: decryption refused ($(grep -i policy "$work/dec2.err" | head -1))"
echo "PASS: TPM sealing"
