#!/usr/bin/env bash
# Tier B, the production path end to end (ctest image_production_boot): a real balie-coa on a private
# PostgreSQL cluster (scripts/demo-coa.sh), a real balie-inbox and a real NTP server (chronyd) on the
# host's loopback, reached by the guest through qemu user networking as 10.0.2.2. Boot 1 (unenrolled)
# prints the terminal's enrolment request; it is enrolled at balie-coa with a one-time code (POST
# /v1/enrol) and COA's signed bundle goes onto the provisioning partition. Boot 2 (RTC 2 h ahead) applies
# it, waits for NTP, takes the resident and its koppeling from COA and the dossier from the municipality
# with the real balie-syncd.service, signs through the real kiosk (UI script on a second disk), syncs
# again; the inbox must hold exactly that record once and health must report 0 waiting. Boot 3 gets a
# bundle for another location (balie-make-bundle, the imaging station's tool): refused with a reason,
# the kiosk still runs, and the journal stays in one directory.
# Usage: production-boot.sh IMAGE_OUT_DIR BUILD_DIR      (needs root; see image/README.md)
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
out="${1:?image out dir}"
build="${2:?build dir}"
repo=$(repo_dir)
need_root "image assembly, NTP on port 123"
need_cmd qemu-system-x86_64 swtpm mksquashfs veritysetup chronyd openssl jq python3 sfdisk curl
inbox_bin="$build/sync/balie-inbox"
coa_bin="$build/coa/balie-coa"
for b in "$inbox_bin" "$coa_bin"; do [ -x "$b" ] || fail "$b not built"; done
make_bundle=$(find "$build" -maxdepth 3 -type f -name balie-make-bundle -perm -u+x | head -1)
[ -n "$make_bundle" ] || fail "balie-make-bundle not built in $build"
boot_timeout="${BALIE_BOOT_TIMEOUT:-300}"
sign_timeout="${BALIE_SIGN_BOOT_TIMEOUT:-600}"

work="$out/tier-b-production"
rm -rf "$work"; mkdir -p "$work"
pids=()
# balie-coa for this test only: its own state folder and port, no demo data.
export BALIE_STATE_DIR="$work/state" BALIE_BUILD_DIR="$build" BALIE_DEMO_COA_PORT="${BALIE_TIERB_PROD_COA_PORT:-28453}" \
  BALIE_COA_PUBLIC_HOST=10.0.2.2 BALIE_COA_SEED=0 BALIE_COA_OPERATOR=ops-tb
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$repo/scripts/demo-coa.sh" stop > /dev/null 2>&1 || true
}
trap cleanup EXIT
# shellcheck source=tests/image/tierb-lib.sh
. "$(dirname "$0")/tierb-lib.sh"
coa() { "$coa_bin" --config "$BALIE_STATE_DIR/demo-coa/coa.json" "$@"; }
coa_port=$BALIE_DEMO_COA_PORT
coa_pki="$BALIE_STATE_DIR/demo-coa/pki"

"$repo/image/build.sh" --assemble-only --out "$out" > "$work/assemble.log" 2>&1 || { tail -20 "$work/assemble.log"; fail "assembly failed"; }
cp --sparse=always "$out/disk.img" "$work/disk.img"
step assemble

location=azc-demo
g=GM0363
# --- the host side: COA, the municipality's inbox (server certificate valid for 10.0.2.2; it trusts
# the device certificates COA issues), NTP -----------------------------------------------------------
"$repo/scripts/demo-coa.sh" start > "$work/coa-start.log" 2>&1 || { cat "$work/coa-start.log"; fail "balie-coa did not start"; }
coa location add "$location" "AZC tier B" > /dev/null
echo "tier-b-operator-password" | coa operator add ops-tb "Tier B operator" > /dev/null
BALIE_PKI_EXTRA_SAN=IP:10.0.2.2 "$repo/sync/tools/make-pki.sh" "$work/pki" unused "$g" > /dev/null
openssl pkey -in "$work/pki/$g/key.pem" -pubout -out "$work/$g.pub.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/backup.key" 2>/dev/null
openssl pkey -in "$work/backup.key" -pubout -out "$work/backup.pub.pem"
pin_primary=$(pin_of "$work/$g.pub.pem"); pin_backup=$(pin_of "$work/backup.pub.pem")
mkdir -p "$work/keys"
(umask 077; openssl rand -hex 32 > "$work/keys/signing.seed"; openssl rand -hex 32 > "$work/keys/box.seed")
keys=$("$inbox_bin" pubkeys --keys "$work/keys")
# The inbox database is encrypted under a 0600 key file (a municipality: the systemd credential).
"$inbox_bin" db-keygen --file "$work/inbox-db.key"
"$inbox_bin" serve --gemeentecode "$g" --db "$work/inbox.db" --db-key-file "$work/inbox-db.key" --cert "$work/pki/$g/cert.pem" --key "$work/pki/$g/key.pem" \
  --client-ca "$coa_pki/device-ca.pem" --keys "$work/keys" --listen 127.0.0.1:0 --port-file "$work/inbox.port" \
  > "$work/inbox.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/inbox.port" ] && break; sleep 0.1; done
[ -s "$work/inbox.port" ] || { cat "$work/inbox.log"; fail "balie-inbox did not start"; }
inbox_port=$(cat "$work/inbox.port")

# The location's configuration at COA: the route to the inbox (its CA, two pins), two staff with
# Argon2id PIN hashes, a pvt_declaration text, NTP server 10.0.2.2.
pin_hash() { python3 "$repo/sync/tools/pin-hash.py" "$1"; }  # Argon2id, as the store checks it
coa_pin=246810 host_pin=135790
jq -n --arg url "https://10.0.2.2:$inbox_port" --rawfile ca "$work/pki/ca.pem" --arg p1 "$pin_primary" --arg p2 "$pin_backup" \
  --argjson k "$keys" --arg g "$g" --arg ch "$(pin_hash $coa_pin)" --arg hh "$(pin_hash $host_pin)" \
  '{ntp_servers: ["10.0.2.2"], sync_window: "00:00-23:59",
    routes: [{gemeentecode: $g, base_url: $url, ca_pem: $ca, pins: [$p1, $p2], ed25519_pk: $k.ed25519_pk, x25519_pk: $k.x25519_pk}],
    staff: [{id: "tb-coa", display_name: "Tier B COA-medewerker", role: "coa_staff", pin_hash: $ch, active: true},
            {id: "tb-host", display_name: "Tier B gastheer", role: "municipality_host", gemeentecodes: [$g], pin_hash: $hh, active: true}],
    texts: [{gemeentecode: $g, kind: "pvt_declaration", version: 1, language: "nl", title: "Participatieverklaring (testtekst)",
             body: "TESTTEKST, geen officiele tekst. Ik verklaar kennis te hebben genomen van de kernwaarden van de Nederlandse samenleving."}]}' \
  > "$work/location.json"
coa config put "$location" "$work/location.json" > /dev/null
# One resident and its koppeling from COA (demo-01, moved to this location); the link comes only from COA.
jq --arg loc "$location" '[.residents[].resident | select(.id == "demo-01") | {id, location_id: $loc, naam_latijns,
    naam_eigen_schrift, v_nummer, geboortedatum, kamer, regime: (.regime // "Wi2021"), gemeentecode,
    gekoppeld_sinds: (.gekoppeld_sinds // "2026-01-01")}]' "$repo/assets/demo/demo.json" > "$work/coa-residents.json"
[ "$(jq length "$work/coa-residents.json")" = 1 ] || fail "demo-01 is not in assets/demo/demo.json"
[ "$(jq -r '.[0].gemeentecode' "$work/coa-residents.json")" = "$g" ] || fail "demo-01 is not linked to $g in the demo data"
coa resident put "$work/coa-residents.json" > /dev/null
start_ntp
step "host-services (COA on 127.0.0.1:$coa_port, inbox on 127.0.0.1:$inbox_port)"

# --- boot 1: unenrolled; the enrolment request -------------------------------------------------------
boot_enrol_request "$boot_timeout"
step "boot-1-enrol-request ($(fact uptime))"

# --- enrolment at balie-coa with a one-time code (the request balie-enrol online makes) --------------
code=$(coa code create "$location" ops-tb | tr -d '[:space:]')
jq -n --arg code "$code" --slurpfile req "$work/request.json" '{code: $code, request: $req[0]}' > "$work/enrol-body.json"
status=$(curl -sS -o "$work/bundle-1.json" -w '%{http_code}' --cacert "$coa_pki/ca.pem" -H 'Content-Type: application/json' \
  --data-binary @"$work/enrol-body.json" "https://127.0.0.1:$coa_port/v1/enrol") || fail "POST /v1/enrol failed"
[ "$status" = 200 ] || fail "POST /v1/enrol answered $status: $(head -c 300 "$work/bundle-1.json")"
jq -r .payload "$work/bundle-1.json" | base64 -d > "$work/payload-1.json"
device_id=$(jq -r .device.device_id "$work/payload-1.json")
[ "$(jq -r .device.ed25519_pk "$work/payload-1.json")" = "$device_pk" ] || fail "COA's bundle is not for this terminal's key"
echo "ok   enrolled at balie-coa with code $code as $device_id"
"$repo/image/write-bundle.sh" "$work/disk.img" "$work/bundle-1.json"

# --- the inbox: this device enrolled, the resident's dossier in the municipality's feed ---------------
"$inbox_bin" enroll-device --db "$work/inbox.db" --db-key-file "$work/inbox-db.key" --gemeentecode "$g" --device-id "$device_id" --ed25519-pk "$device_pk" \
  --locatiecode "$location" > /dev/null
jq --arg g "$g" --arg loc "$location" '{residents: [.residents[] | select(.resident.id == "demo-01")
    | .resident.location_id = $loc | {resident_id: .resident.id, locatiecode: $loc, dossier: .}]}' \
  "$repo/assets/demo/demo.json" > "$work/residents.json"
"$inbox_bin" import-dossiers --db "$work/inbox.db" --db-key-file "$work/inbox-db.key" --gemeentecode "$g" --file "$work/residents.json" > /dev/null

# The kiosk's UI script (second disk): COA staff unlocks, finds the resident, the host opens the
# signing moment, the resident reads, draws and confirms.
cat > "$work/sign.balie" <<'EOF'
wait-scene welcome
tap welcome.staff
wait-scene staff_unlock
tap staff.tb-coa
tap pin.2
tap pin.4
tap pin.6
tap pin.8
tap pin.1
tap pin.0
tap pin.ok
wait-scene staff_home
tap staff_home.start
wait-scene resident_search
tap kb.s
tap kb.a
tap kb.l
tap kb.m
wait-for search.hit.0
tap search.hit.0
wait-scene identity_check
tap identity.confirm
wait-scene language
tap language.nl
wait-scene dossier
wait-for dossier.sign
tap dossier.sign
wait-scene signing_host
tap host.tb-host
tap hostpin.1
tap hostpin.3
tap hostpin.5
tap hostpin.7
tap hostpin.9
tap hostpin.0
tap hostpin.ok
wait-scene signing_text
drag signing_text.scroll 0.5,0.95 0.5,0.05
drag signing_text.scroll 0.5,0.95 0.5,0.05
drag signing_text.scroll 0.5,0.95 0.5,0.05
wait-frames 3
tap signing_text.continue
wait-scene signing_understood
tap signing_understood.yes
wait-scene signing_pad
drag signing.pad 0.10,0.62 0.16,0.28 0.22,0.66 0.30,0.32 0.38,0.64 0.47,0.30 0.58,0.66 0.70,0.36 0.86,0.58
drag signing.pad 0.12,0.78 0.50,0.74 0.88,0.76
wait-frames 2
tap signing_pad.done
wait-scene signing_review
tap signing_review.confirm
wait-scene signing_saved
tap signing_saved.done
wait-scene dossier
expect-no-id dossier.sign
EOF
{ cat "$work/sign.balie"; head -c $((1024 * 1024 - $(stat -c %s "$work/sign.balie"))) /dev/zero; } > "$work/script.img"
step "sign-script"

# --- boot 2: enrolled; RTC 2 h ahead; NTP, pull, sign, push, health ---------------------------------
host_start=$(date +%s)
qemu_boot sign "$sign_timeout" --selftest sign --extra-disk "$work/script.img" \
  --rtc "$(date -u -d "@$((host_start + 7200))" +%Y-%m-%dT%H:%M:%S)"
host_end=$(date +%s)
grep -a -E '^BALIE_STEP' "$work/sign.serial" | tr -d '\r' > "$work/sign.steps" || true
has KIOSK_SELFTEST=PASS sign; has enrolled=yes sign; has ntp_sync=yes sign; has pull=success sign; has push=success sign
has script=0 sign; has ntp_server=10.0.2.2 sign; has link=routable sign
# The RTC was 2 h ahead at boot; after NTP the clock agrees with the host's (within the boot's span).
rtc_boot=$(fact rtc_boot); synced=$(fact clock_synced_at)
{ [ "$synced" -ge "$host_start" ] && [ "$synced" -le "$host_end" ]; } || fail "guest clock after NTP ($synced) outside the host's [$host_start, $host_end]"
{ [ "$rtc_boot" != none ] && [ "$rtc_boot" -ge $((host_start + 7000)) ]; } || fail "the RTC was not 2 h ahead at boot ($rtc_boot vs host $host_start)"
echo "ok   clock: RTC at boot $rtc_boot (host started qemu at $host_start: +$(( rtc_boot - host_start ))s), after NTP $synced"
# Exactly that one record, once, at the inbox.
"$inbox_bin" dump --db "$work/inbox.db" --db-key-file "$work/inbox-db.key" --gemeentecode "$g" > "$work/received.json"
[ "$(jq length "$work/received.json")" = 1 ] || fail "the inbox holds $(jq length "$work/received.json") records, not 1: $(cat "$work/received.json")"
jq -e --arg d "$device_id" '.[0].device_id == $d' "$work/received.json" > /dev/null || fail "the record is not from $device_id"
echo "ok   inbox received exactly one record: $(jq -c '.[0] | {kind, record_id, device_id, seq, received_at}' "$work/received.json")"
serial_b64 BALIE_HEALTH sign > "$work/health.json" || fail "no health document"
waiting=$(jq '[.. | objects | .waiting? | numbers] | add // "none"' "$work/health.json")
[ "$waiting" = 0 ] || fail "health reports waiting=$waiting: $(cat "$work/health.json")"
echo "ok   balie-admin health: 0 waiting"
want_mid=$(printf 'balie-machine-id:%s' "$device_id" | sha256sum | cut -c1-32)
want_host="balie-$(tr 'A-Z_.' 'a-z--' <<<"$device_id")"  # store/src/bundle.cpp terminal_hostname: lower case, - for _ and .
[ "$(fact hostname)" = "$want_host" ] || fail "hostname $(fact hostname), want $want_host"
[ "$(fact machine_id)" = "$want_mid" ] || fail "machine-id $(fact machine_id), want $want_mid (from the device id)"
[ "$(fact machine_id)" != "$enrol_machine_id" ] || fail "machine-id did not change at enrolment"
sign_dirs=$(fact journal_dirs)
has journal_here=yes sign
step "boot-2-sign ($(fact uptime))"
sed 's/^/  /' "$work/sign.steps"

# --- boot 3: a bundle for another location is refused; identity and journal directory stay ---------
jq '.bundle_version += 1 | .device.location_id = "azc-elders" | .issued_at = (now | todate)' "$work/payload-1.json" \
  > "$work/payload-2.json"
"$make_bundle" --payload "$work/payload-2.json" --key "$repo/image/keys/provisioning-test.key" --out "$work/bundle-2.json" \
  || fail "balie-make-bundle failed"
"$repo/image/write-bundle.sh" "$work/disk.img" "$work/bundle-2.json"
qemu_boot refused "$boot_timeout" --selftest refused
has KIOSK_SELFTEST=PASS refused; has apply=exit-code refused; has apply_status=4 refused; has kiosk=active refused
reason=$(serial_b64 BALIE_APPLY_REASON refused || true)
grep -qi 'locat' <<<"$reason" || fail "the refusal does not name the location: $reason"
echo "ok   refused: $reason"
[ "$(fact machine_id)" = "$want_mid" ] || fail "machine-id changed on the next boot: $(fact machine_id)"
[ "$(fact journal_dirs)" = "$sign_dirs" ] || fail "a new journal directory on the next boot ($sign_dirs -> $(fact journal_dirs))"
has journal_here=yes refused
echo "ok   identity: hostname $want_host, machine-id $want_mid, journal directories $sign_dirs -> $(fact journal_dirs)"
step "boot-3-refused ($(fact uptime))"
[ "$(jq length <("$inbox_bin" dump --db "$work/inbox.db" --db-key-file "$work/inbox-db.key" --gemeentecode "$g"))" = 1 ] || fail "the inbox's record count changed"
echo "PASS: production path in $(( $(date +%s) - t0 ))s"
