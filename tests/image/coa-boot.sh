#!/usr/bin/env bash
# Tier B with COA (ctest image_coa_boot; opt-in: BALIE_IMAGE_COA=1, about 15 minutes): a real balie-coa
# on a private PostgreSQL cluster (scripts/demo-coa.sh), a real balie-inbox and NTP on the host's
# loopback, reached by the guest through qemu user networking as 10.0.2.2. Boot 1 prints the
# terminal's enrolment request; it is enrolled at balie-coa with a one-time code (POST /v1/enrol, the
# request balie-enrol online makes) and COA's signed bundle goes onto the provisioning partition. An
# update bundle (image/bundle.sh, version + 1) is uploaded and rolled out with this terminal as the
# canary. Boot 2 runs the real balie-syncd.service pass after pass: residents and their koppeling come
# from COA, a staff account added at COA during the boot arrives (the time is printed), the update is
# downloaded, installed into the other slot by balie-update.service and reported back to COA.
# Usage: coa-boot.sh IMAGE_OUT_DIR BUILD_DIR      (needs root; see image/README.md)
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
out="${1:?image out dir}"
build="${2:?build dir}"
repo=$(repo_dir)
[ "${BALIE_IMAGE_COA:-0}" = 1 ] || skip "opt-in: BALIE_IMAGE_COA=1 (about 15 minutes; image/README.md)"
need_root "image assembly, NTP on port 123"
need_cmd qemu-system-x86_64 swtpm mksquashfs veritysetup chronyd openssl jq curl sbsign chromium
inbox_bin="$build/sync/balie-inbox"
coa_bin="$build/coa/balie-coa"
for b in "$inbox_bin" "$coa_bin"; do [ -x "$b" ] || fail "$b not built"; done
boot_timeout="${BALIE_BOOT_TIMEOUT:-300}"
coa_timeout="${BALIE_COA_BOOT_TIMEOUT:-1500}"

work="$out/tier-b-coa"
rm -rf "$work"; mkdir -p "$work"
pids=()
export BALIE_STATE_DIR="$work/state" BALIE_BUILD_DIR="$build" BALIE_DEMO_COA_PORT="${BALIE_TIERB_COA_PORT:-28443}" \
  BALIE_COA_PUBLIC_HOST=10.0.2.2 BALIE_COA_UPDATE_SIGNER="$out/rootfs/usr/lib/balie/update-signer.pem" BALIE_COA_SEED=0 \
  BALIE_COA_OPERATOR=ops-tb
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$repo/scripts/demo-coa.sh" stop > /dev/null 2>&1 || true
}
trap cleanup EXIT
# shellcheck source=tests/image/tierb-lib.sh
. "$(dirname "$0")/tierb-lib.sh"
coa() { "$coa_bin" --config "$BALIE_STATE_DIR/demo-coa/coa.json" "$@"; }
port=$BALIE_DEMO_COA_PORT
coa_pki="$BALIE_STATE_DIR/demo-coa/pki"

"$repo/image/build.sh" --assemble-only --out "$out" > "$work/assemble.log" 2>&1 || { tail -20 "$work/assemble.log"; fail "assembly failed"; }
cp --sparse=always "$out/disk.img" "$work/disk.img"
step assemble

# --- the update bundle (version + 1, the image's signer) while the host services start -----------------
version=$(cat "$out/version")
new_version=$((version + 1))
"$repo/image/bundle.sh" "$out" "$work/update.tar" --version "$new_version" > "$work/bundle.log" 2>&1 &
bundle_pid=$!

# --- COA, the municipality's inbox, NTP ----------------------------------------------------------------
location=azc-tb g=GM0363
"$repo/scripts/demo-coa.sh" start > "$work/coa-start.log" 2>&1 || { cat "$work/coa-start.log"; fail "balie-coa did not start"; }
coa location add "$location" "AZC tier B" > /dev/null
echo "tier-b-operator-password" | coa operator add ops-tb "Tier B operator" > /dev/null
BALIE_PKI_EXTRA_SAN=IP:10.0.2.2 "$repo/sync/tools/make-pki.sh" "$work/inbox-pki" unused "$g" > /dev/null
mkdir -p "$work/keys"
(umask 077; openssl rand -hex 32 > "$work/keys/signing.seed"; openssl rand -hex 32 > "$work/keys/box.seed")
# The inbox database is encrypted under a 0600 key file (a municipality: the systemd credential).
"$inbox_bin" db-keygen --file "$work/inbox-db.key"
"$inbox_bin" serve --gemeentecode "$g" --db "$work/inbox.db" --db-key-file "$work/inbox-db.key" --cert "$work/inbox-pki/$g/cert.pem" \
  --key "$work/inbox-pki/$g/key.pem" --client-ca "$coa_pki/device-ca.pem" --keys "$work/keys" \
  --listen 127.0.0.1:0 --port-file "$work/inbox.port" > "$work/inbox.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/inbox.port" ] && break; sleep 0.1; done
[ -s "$work/inbox.port" ] || { cat "$work/inbox.log"; fail "balie-inbox did not start"; }
jq -n --arg url "https://10.0.2.2:$(cat "$work/inbox.port")" --rawfile ca "$work/inbox-pki/ca.pem" \
  --arg pin "$(cat "$work/inbox-pki/$g/pin")" --arg backup "$(cat "$coa_pki/coa-backup/pin")" \
  --argjson k "$("$inbox_bin" pubkeys --keys "$work/keys")" --arg g "$g" \
  '{ntp_servers: ["10.0.2.2"], sync_window: "00:00-23:59",
    routes: [{gemeentecode: $g, base_url: $url, ca_pem: $ca, pins: [$pin, $backup], ed25519_pk: $k.ed25519_pk, x25519_pk: $k.x25519_pk}],
    staff: [{id: "tb-coa", display_name: "Tier B COA-medewerker", role: "coa_staff", first_login_pin: "246810"}],
    texts: []}' > "$work/location.json"
coa config put "$location" "$work/location.json" > /dev/null
jq -n --arg loc "$location" --arg g "$g" '[{id: "tb-r1", location_id: $loc, naam_latijns: "Yohannes Tesfay",
  naam_eigen_schrift: "ዮሃንስ ተስፋይ", v_nummer: "1000000001", geboortedatum: "1990-01-01", kamer: "B-101",
  regime: "Wi2021", gemeentecode: $g, gekoppeld_sinds: "2026-11-01"}]' > "$work/residents.json"
coa resident put "$work/residents.json" > /dev/null
start_ntp
step host-services

# --- boot 1: unenrolled; the enrolment request -----------------------------------------------------------
boot_enrol_request "$boot_timeout"
step "boot-1-enrol-request ($(fact uptime))"

# --- enrolment at balie-coa with a one-time code; COA's signed bundle onto the provisioning partition ---
code=$(coa code create "$location" ops-tb | tr -d '[:space:]')
jq -n --arg code "$code" --slurpfile req "$work/request.json" '{code: $code, request: $req[0]}' > "$work/enrol-body.json"
status=$(curl -sS -o "$work/bundle.json" -w '%{http_code}' --cacert "$coa_pki/ca.pem" -H 'Content-Type: application/json' \
  --data-binary @"$work/enrol-body.json" "https://127.0.0.1:$port/v1/enrol") || fail "POST /v1/enrol failed"
[ "$status" = 200 ] || fail "POST /v1/enrol answered $status: $(head -c 300 "$work/bundle.json")"
status=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$coa_pki/ca.pem" -H 'Content-Type: application/json' \
  --data-binary @"$work/enrol-body.json" "https://127.0.0.1:$port/v1/enrol") || true
[ "$status" = 403 ] || fail "the used code was answered $status, not refused with 403"
device_id=$(jq -r .payload "$work/bundle.json" | base64 -d | jq -r .device.device_id)
echo "ok   enrolled at balie-coa with code $code as $device_id (the code is refused a second time: $status)"
"$inbox_bin" enroll-device --db "$work/inbox.db" --db-key-file "$work/inbox-db.key" --gemeentecode "$g" --device-id "$device_id" --ed25519-pk "$device_pk" \
  --locatiecode "$location" > /dev/null
"$repo/image/write-bundle.sh" "$work/disk.img" "$work/bundle.json"

wait "$bundle_pid" || { tail -5 "$work/bundle.log"; fail "image/bundle.sh failed"; }
t=$(date +%s)
coa update upload "$work/update.tar" > "$work/upload.log" 2>&1 || { cat "$work/upload.log"; fail "update upload failed"; }
upload_s=$(( $(date +%s) - t ))
coa rollout start "$new_version" "$device_id" > /dev/null
echo "ok   update $new_version ($(stat -c %s "$work/update.tar") bytes) uploaded in ${upload_s}s, rolled out to canary $device_id"
step "enrol-and-update"

# --- boot 2: passes against COA; a staff account is added at COA after the first one -------------------
( qemu_boot coa "$coa_timeout" --selftest coa > "$work/coa.boot.out" 2>&1; echo $? > "$work/coa.boot.rc" ) &
boot_pid=$!
change_at=""
while kill -0 "$boot_pid" 2>/dev/null; do
  if [ -z "$change_at" ] && grep -aq '^BALIE_COA_PASS n=1 ' "$work/coa.serial" 2>/dev/null; then
    coa staff add "$location" tb-new "Nieuwe medewerker" coa_staff 735102 > /dev/null
    change_at=$(date +%s)
    echo "ok   staff account tb-new added at COA at $change_at (after the terminal's first pass)"
  fi
  sleep 1
done
wait "$boot_pid" || true
cat "$work/coa.boot.out"
[ "$(cat "$work/coa.boot.rc")" = 0 ] || fail "boot coa failed"
line=$(grep -a -m1 '^KIOSK_SELFTEST=' "$work/coa.serial" | tr -d '\r')
[ -n "$change_at" ] || fail "the terminal never finished its first pass"
has KIOSK_SELFTEST=PASS coa; has enrolled=yes coa; has ntp_sync=yes coa; has update_state=installed coa
has update_reported=yes coa
grep -q "balie-$new_version+3.efi" <<<"$(fact entries)" || fail "no boot entry for version $new_version: $(fact entries)"
arrived=$(fact arrived_pass)
arrived_at=$(grep -a "^BALIE_COA_PASS n=$arrived " "$work/coa.serial" | tr -d '\r' | sed -n 's/.* at=\([0-9]*\).*/\1/p')
echo "FIGURE staff change at COA -> applied on the terminal: $(( arrived_at - change_at ))s (arrived in pass $arrived; passes run back to back with 3 s between them)"
grep -a '^BALIE_COA_SYNCD COA https' "$work/coa.serial" | head -1 | grep -q 'residents pages 1 (+1 ' \
  || fail "the first pass did not take the resident from COA: $(grep -a '^BALIE_COA_SYNCD' "$work/coa.serial" | head -2)"
# The health document COA keeps has the terminal's clock (balie-syncd must be able to read it).
pg_bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d | sort -V | tail -1)
offset=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$pg_bin/psql" -h "$BALIE_STATE_DIR/demo-coa/pg" -U balie -d coa \
  -Atc "SELECT document->'clock'->>'offset_us' FROM health_reports WHERE device_id = '$device_id' ORDER BY id DESC LIMIT 1")
[[ "$offset" =~ ^-?[0-9]+$ ]] || fail "the terminal's health at COA has no clock offset ('$offset'): balie-syncd could not read the clock"
echo "ok   COA has the terminal's health with its clock offset: ${offset} us"
states=$(coa rollout show "$new_version" | jq -r --arg d "$device_id" '.devices[] | select(.device_id == $d) | .state')
[ "$states" = installed ] || fail "COA's rollout shows $device_id as '$states', not installed"
reports=$(coa rollout show "$new_version" | jq -c .counts)
echo "ok   COA's rollout of $new_version: $reports"
coa device list > "$work/devices.txt" 2>&1 || true
grep -q "$device_id" "$work/devices.txt" || fail "COA's device list does not name $device_id"
"$repo/scripts/demo-coa.sh" shot "$work/fleet.png" > "$work/shot.log" 2>&1 || { cat "$work/shot.log"; fail "no screenshot of COA's fleet page"; }
echo "ok   COA's fleet page with the terminal: $work/fleet.png"
[ -z "${BALIE_SHOTS_DIR:-}" ] || { mkdir -p "$BALIE_SHOTS_DIR"; cp "$work/fleet.png" "$BALIE_SHOTS_DIR/coa-fleet-tierb.png" 2>/dev/null || true; }
step "boot-2-coa ($(fact uptime))"
echo "PASS: COA path in $(( $(date +%s) - t0 ))s"
