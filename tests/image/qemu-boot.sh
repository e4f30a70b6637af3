#!/usr/bin/env bash
# Tier B: assembles the disk from the built rootfs and boots it in qemu (TCG) with swtpm, three times:
# 1. first boot encrypts the data partition (LUKS2, TPM2 key) and provisions (keys sealed to the TPM),
# the self-test passes; 2. same TPM state: passes without provisioning again; the raw data partition
# holds no plaintext (a canary written on /var is not found); 3. fresh TPM state (another terminal's
# TPM): the data partition stays locked and the kiosk does not run (fails closed).
# Usage: qemu-boot.sh IMAGE_OUT_DIR      (needs root; see image/README.md)
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
out="${1:?image out dir}"
repo=$(repo_dir)
need_root "image assembly"
need_cmd qemu-system-x86_64 swtpm mksquashfs veritysetup
boot_timeout="${BALIE_BOOT_TIMEOUT:-360}"

t0=$(date +%s)
"$repo/image/build.sh" --assemble-only --out "$out" > "$out/assemble.log" 2>&1 || { tail -20 "$out/assemble.log"; fail "assembly failed"; }
echo "assembled in $(( $(date +%s) - t0 ))s"
work="$out/tier-b"
rm -rf "$work"; mkdir -p "$work"
cp --sparse=always "$out/disk.img" "$work/disk.img"

boot() {  # boot NAME TPM_STATE_DIR: one boot with the self-test; prints and returns the result line
  local name="$1" tpm="$2" t rc=0
  t=$(date +%s)
  "$repo/image/run-qemu.sh" --out "$out" --disk "$work/disk.img" --tpm-state "$tpm" --selftest basic \
    --timeout "$boot_timeout" --log "$work/$name.serial" >/dev/null 2>&1 || rc=$?
  line=$(grep -a -m1 '^KIOSK_SELFTEST=' "$work/$name.serial" | tr -d '\r' || true)
  echo "boot $name: ${line:-no KIOSK_SELFTEST line} (qemu exit $rc, $(( $(date +%s) - t ))s)"
  if [ -z "$line" ]; then
    echo "--- last serial lines of $name:"; tail -25 "$work/$name.serial"
    fail "no KIOSK_SELFTEST line within ${boot_timeout}s on boot $name"
  fi
}
has() { grep -qw -- "$1" <<<"$line" || fail "boot $2: expected $1 in: $line"; }

boot first "$work/tpm"
has KIOSK_SELFTEST=PASS first; has provision_ran=yes first; has provision=success first
has keys=test first   # the fixture builds a development image: its trust file says TEST keys (issue 20)
# no bundle on this disk: the kiosk shows the enrolment screen (light background), not the welcome
has kiosk=active first; has root_ro=yes first; has verity=verified first; has pixel=246,244,239 first
has cred=balie:400 first; has other_user=denied first; has sysrq=0 first
has data=luks2 first; has data_slots=1 first; has data_token=tpm2 first; has data_setup=success first
# direct kernel boot: no UKI, no PCR 11 measurement: sealed to PCR 7 only, and said so; the NV minimum
# of the security epoch was defined at the data setup
has pcr_policy=pcr7-only first; has trust_bless=success first; has "epoch_min=$(cat "$repo/image/security-epoch")" first

boot second "$work/tpm"
has KIOSK_SELFTEST=PASS second; has provision_ran=no second; has kiosk=active second; has pcr_policy=pcr7-only second

# The data partition on the disk: LUKS2, and neither the canary nor a journal file in the clear.
data_at=$(tr ' ' '\n' < "$out/layout.env" | sed -n 's/^data_at=//p')
data_mib=$(tr ' ' '\n' < "$out/layout.env" | sed -n 's/^data_mib=//p')
dd if="$work/disk.img" bs=1M skip="$data_at" count="$data_mib" status=none > "$work/data.raw"
[ "$(head -c 4 "$work/data.raw")" = LUKS ] || fail "the data partition is not LUKS"
for plain in BALIE-PLAINTEXT-CANARY-7f3a9c LPKSHHRH BALIE-DATA-UNFORMATTED; do
  if grep -aqF "$plain" "$work/data.raw"; then fail "plaintext '$plain' found on the raw data partition"; fi
done
rm -f "$work/data.raw"
echo "ok   raw data partition: LUKS2 header, no canary, no journal file, no marker in the clear"

boot fresh-tpm "$work/tpm-fresh"
has KIOSK_SELFTEST=FAIL fresh-tpm; has data=locked fresh-tpm; has data_unlock=exit-code fresh-tpm
grep -qE 'kiosk=(failed|inactive) ' <<<"$line" || fail "boot fresh-tpm: the kiosk must not run: $line"
echo "PASS: tier B in $(( $(date +%s) - t0 ))s"
