#!/usr/bin/env bash
# Tier A: TPM sealing as the image does it (systemd-creds --with-key=tpm2 --tpm2-pcrs=7), against a
# software TPM (swtpm) on local TCP: the round trip returns the key; after PCR 7 is extended (Secure
# Boot state changed) decryption fails; a different TPM cannot decrypt it either. Power cuts (TPM reset
# without TPM2_Shutdown) after image/rootfs/usr/lib/balie/tpm-da-setup never lock the key away, while
# a TPM with its default dictionary-attack parameters does lock it (the control).
# Usage: tpm-seal.sh
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
need_cmd swtpm swtpm_setup swtpm_ioctl systemd-creds tpm2_pcrextend tpm2_startup tpm2_getcap tpm2_dictionarylockout
ls /usr/lib/x86_64-linux-gnu/libtss2-tcti-swtpm.so.0* >/dev/null 2>&1 || skip "libtss2-tcti-swtpm0 missing"

work=$(mktemp -d /tmp/balie-tpm.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

start_tpm() {  # start_tpm NAME PORT: a fresh swtpm with its own state, serving on 127.0.0.1:PORT
  local p
  p=$(start_swtpm "$work/$1" "$2") || exit 1
  pids+=("$p")
}
# Below 32768, the start of Linux's ephemeral port range (a client socket once held 33348).
port=$((20000 + ($$ % 3000) * 4))
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

# 4. power cuts: reset the TPM without TPM2_Shutdown (unorderly), boot-unseal, and again
power_cut() {  # power_cut PORT TCTI: _TPM_Init through the control channel, then TPM2_Startup(CLEAR)
  swtpm_ioctl --tcp "127.0.0.1:$(($1 + 1))" -i >/dev/null || fail "swtpm_ioctl init failed"
  TPM2TOOLS_TCTI="$2" tpm2_startup -c >/dev/null 2>&1 || fail "tpm2_startup failed"
}
lockout_counter() { TPM2TOOLS_TCTI="$1" tpm2_getcap properties-variable | awk '/TPM2_PT_LOCKOUT_COUNTER/ {print $2}'; }
cuts_survived() {  # cuts_survived PORT TCTI: seal, then up to 8 power cuts each followed by an unseal
  local n
  systemd-creds encrypt --with-key=tpm2 --tpm2-device="$2" --tpm2-pcrs=7 --name=balie-db-key \
    "$work/key" "$work/cut.cred" 2>/dev/null || fail "sealing for the power-cut test failed"
  for n in 1 2 3 4 5 6 7 8; do
    systemd-creds decrypt --tpm2-device="$2" --name=balie-db-key "$work/cut.cred" - >/dev/null 2>&1 || { echo $((n - 1)); return; }
    power_cut "$1" "$2"
  done
  echo 8
}
# the terminal's TPM: DA parameters set at provisioning, as balie-provision does
start_tpm c "$((port + 4))"
tpm_c="swtpm:host=127.0.0.1,port=$((port + 4))"
sh "$(repo_dir)/image/rootfs/usr/lib/balie/tpm-da-setup" "$tpm_c" >/dev/null || fail "tpm-da-setup failed"
survived=$(cuts_survived "$((port + 4))" "$tpm_c")
[ "$survived" = 8 ] || fail "after tpm-da-setup the key was locked away after $survived power cuts"
echo "ok   8 power cuts after tpm-da-setup: still unsealed every time (lockout counter $(lockout_counter "$tpm_c"))"
# the control: the same with the TPM's own defaults locks the key away (so the check above can fail)
start_tpm d "$((port + 6))"
tpm_d="swtpm:host=127.0.0.1,port=$((port + 6))"
survived=$(cuts_survived "$((port + 6))" "$tpm_d")
[ "$survived" -lt 8 ] || fail "control: default DA parameters survived 8 power cuts, the test proves nothing"
echo "ok   control: with default DA parameters the key was locked away after $survived power cuts"
echo "PASS: TPM sealing"
