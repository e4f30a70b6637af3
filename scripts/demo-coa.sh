#!/usr/bin/env bash
# COA's service for the demo: a private PostgreSQL cluster under the demo state folder (initdb/pg_ctl
# from Debian's postgresql-15, as the unprivileged user nobody when run as root; Unix socket only) and
# one balie-coa beside the demo inboxes, seeded from the demo data: the demo location, an operator,
# the location's configuration (routes to the demo inboxes) and its residents with their koppeling.
#   scripts/demo-coa.sh pki      only COA's demo certificates (the demo inboxes trust its device CA)
#   scripts/demo-coa.sh start    start (or restart) PostgreSQL and balie-coa; prints the operator's login link
#   scripts/demo-coa.sh terminal a second demo terminal enrolled at COA with a one-time code: residents
#                                and koppeling from COA, the scripted session signs, the record goes to
#                                the linked municipality, its health reaches COA's fleet page
#   scripts/demo-coa.sh stop     stop both
#   scripts/demo-coa.sh status   what runs, and the fleet as COA sees it
#   scripts/demo-coa.sh shot F   a headless-Chromium screenshot of the fleet page into F (PNG)
# Environment: BALIE_STATE_DIR (default ~/.local/state/balie), BALIE_BUILD_DIR (default build/default),
# BALIE_DEMO_COA_PORT (default 18443; the operator pages listen on the next port). See coa/README.md.
# For the tier B VM test (tests/image/coa-boot.sh): BALIE_COA_PUBLIC_HOST (the address terminals use,
# e.g. 10.0.2.2 from a qemu guest; added to the server certificates), BALIE_COA_UPDATE_SIGNER (the
# update bundles' signer certificate), BALIE_COA_SEED=0 (no demo data) and BALIE_COA_OPERATOR (whose
# login link `shot` uses; default demo-ops).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${BALIE_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/balie}
build=${BALIE_BUILD_DIR:-$root/build/default}
port=${BALIE_DEMO_COA_PORT:-18443}
dir=$state/demo-coa
public_host=${BALIE_COA_PUBLIC_HOST:-127.0.0.1}
pg=$dir/pg
coa_bin=$build/coa/balie-coa
demo_json=$root/assets/demo/demo.json
bindir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "demo-coa: PostgreSQL server programs not found (scripts/setup.sh installs postgresql-15)" >&2; exit 1; }

as_pg() {  # runs a PostgreSQL program as the cluster's owner
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; else "$@"; fi
}
coa() { "$coa_bin" --config "$dir/coa.json" "$@"; }

start_pg() {
  mkdir -p "$pg"
  if [ "$(id -u)" = 0 ]; then
    chown nobody:nogroup "$pg"
    # nobody must pass through the state folder (demo-inbox.sh makes it 0700): traverse only, no listing;
    # the files in it keep their own modes (keys 0600).
    chmod o+x "$state" "$dir"
  fi
  if [ ! -f "$pg/data/PG_VERSION" ]; then
    as_pg "$bindir/initdb" -D "$pg/data" -U balie --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    printf "listen_addresses = ''\nunix_socket_directories = '%s'\n" "$pg" >> "$pg/data/postgresql.conf"
  fi
  if ! as_pg "$bindir/pg_ctl" -D "$pg/data" status >/dev/null 2>&1; then
    as_pg "$bindir/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w start >/dev/null
  fi
  as_pg "$bindir/psql" -h "$pg" -U balie -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'coa'" | grep -q 1 \
    || as_pg "$bindir/createdb" -h "$pg" -U balie coa
}

make_pki() {
  local san=""
  [ "$public_host" = 127.0.0.1 ] || san="IP:$public_host"
  BALIE_PKI_EXTRA_SAN=$san bash "$root/sync/tools/make-pki.sh" "$dir/pki" unused coa-terminal coa-web coa-backup >/dev/null
  if [ ! -f "$dir/pki/device-ca.pem" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/pki/device-ca.key" 2>/dev/null
    openssl req -x509 -new -key "$dir/pki/device-ca.key" -sha256 -days 3650 \
      -subj "/O=COA demo/CN=COA demo device CA" -out "$dir/pki/device-ca.pem" 2>/dev/null
  fi
  jq -n --arg db "host=$pg dbname=coa user=balie" --arg pki "$dir/pki" --argjson port "$port" \
    --arg prov "$root/image/keys/provisioning-test.key" --arg backup "$(cat "$dir/pki/coa-backup/pin")" \
    --arg host "$public_host" --arg signer "${BALIE_COA_UPDATE_SIGNER:-}" '{
      database: $db, pool_size: 4,
      terminal: {host: "127.0.0.1", port: $port, port_file: "terminal.port", cert: ($pki + "/coa-terminal/cert.pem"),
                 key: ($pki + "/coa-terminal/key.pem"), ca: ($pki + "/ca.pem")},
      web: {host: "127.0.0.1", port: ($port + 1), port_file: "web.port", cert: ($pki + "/coa-web/cert.pem"),
            key: ($pki + "/coa-web/key.pem")},
      device_ca: {cert: ($pki + "/device-ca.pem"), key: ($pki + "/device-ca.key")},
      provisioning_key: $prov, public_endpoint: ("https://" + $host + ":" + ($port|tostring)), backup_pin: $backup}
      + (if $signer == "" then {} else {update_signer_cert: $signer} end)' \
    > "$dir/coa.json"
}

seed() {
  local loc name
  loc=$(jq -r '.device.location_id' "$demo_json")
  name=$(jq -r '.device.location_name' "$demo_json")
  coa location add "$loc" "$name"
  echo "demo-coa-operator-password" | coa operator add demo-ops "Demo operator" >/dev/null
  # The location's configuration: one staff account and a route per demo inbox (as demo-inbox.sh runs them).
  local routes='[]' g pub
  for g in GM0363 GM0344 GM0599 GM0518 GM0014; do
    [ -d "$state/demo-inbox/$g/keys" ] || continue
    pub=$("$build/sync/balie-inbox" pubkeys --keys "$state/demo-inbox/$g/keys")
    routes=$(jq --arg g "$g" --arg url "https://127.0.0.1:$((18000 + 10#${g#GM}))" --rawfile ca "$state/demo-inbox/pki/ca.pem" \
      --arg pin "$(cat "$state/demo-inbox/pki/$g/pin" 2>/dev/null || echo "sha256//unknown")" --arg backup "$(cat "$dir/pki/coa-backup/pin")" \
      --argjson pub "$pub" '. + [{gemeentecode: $g, base_url: $url, ca_pem: $ca, pins: [$pin, $backup],
        ed25519_pk: $pub.ed25519_pk, x25519_pk: $pub.x25519_pk}]' <<<"$routes")
  done
  if [ "$(jq length <<<"$routes")" = 0 ]; then
    echo "demo-coa: no demo inboxes yet (scripts/demo-inbox.sh start first); the location gets no configuration" >&2
  else
    # The demo's staff with their demo PINs (assets/demo/README.md) and its texts for every municipality.
    local staff='[]' id
    for id in $(jq -r '.staff[].account.id' "$demo_json"); do
      staff=$(jq --arg id "$id" --arg h "$(python3 "$root/sync/tools/pin-hash.py" "$(jq -r --arg id "$id" '.staff[] | select(.account.id == $id) | .pin' "$demo_json")")" \
        --slurpfile d "$demo_json" '. + [$d[0].staff[] | select(.account.id == $id) | .account
          | {id, display_name, role, gemeentecodes, pin_hash: $h, active: true}]' <<<"$staff")
    done
    jq -n --argjson routes "$routes" --argjson staff "$staff" --slurpfile d "$demo_json" '{ntp_servers: ["ntp.demo.invalid"],
      sync_window: "01:00-05:00", routes: $routes, staff: $staff,
      texts: [$routes[].gemeentecode as $g | $d[0].texts[] | {gemeentecode: $g, kind, version: 1, language, title, body}]}' \
      > "$dir/config.json"
    coa config put "$loc" "$dir/config.json"
  fi
  # Residents and their koppeling, from the demo data (COA decides the link; no BSN goes to COA's feed).
  jq '[.residents[].resident | {id, location_id, naam_latijns, naam_eigen_schrift, v_nummer, geboortedatum,
       kamer, regime: (.regime // "Wi2021"),
       gemeentecode: (if (.gemeentecode // "") == "" then null else .gemeentecode end),
       gekoppeld_sinds: (if (.gemeentecode // "") == "" then null else (.gekoppeld_sinds // "2026-01-01") end)}]' \
    "$demo_json" > "$dir/residents.json"
  coa resident put "$dir/residents.json" \
    || echo "demo-coa: the demo data's deliberately hostile residents were refused (see above); the others are stored" >&2
}

stop_coa() {
  if [ -f "$dir/coa.pid" ] && kill -0 "$(cat "$dir/coa.pid")" 2>/dev/null; then
    kill -TERM "$(cat "$dir/coa.pid")"
    for _ in $(seq 50); do kill -0 "$(cat "$dir/coa.pid")" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/coa.pid"
}

login_link() { coa operator link "${BALIE_COA_OPERATOR:-demo-ops}" "${1:-10}"; }

# A second demo terminal (its own store and keys under $dir/terminal), enrolled at COA with a one-time
# code as a technician does at the kiosk (balie-enrol online), then: a sync pass (residents and their
# koppeling from COA, dossiers from the demo inboxes), the scripted demo session on its kiosk (which
# signs demo-01's declaration), and two passes (the record to demo-01's gekoppelde gemeente; health).
terminal() {
  local t=$dir/terminal loc g device_id device_pk rc
  loc=$(jq -r '.device.location_id' "$demo_json")
  rm -rf "$t"; mkdir -p "$t/state" "$t/config" "$t/enrol" "$t/prov" "$t/run" "$t/shots"; chmod 700 "$t/state"
  cp "$root/image/keys/provisioning-test.pub" "$t/prov/test.pub"
  local -a tenv=(env BALIE_MODE= BALIE_STATE_DIR="$t/state" BALIE_CONFIG_DIR="$t/config" BALIE_RUNTIME_DIR="$t/run"
                 BALIE_PROVISIONING_KEYS="$t/prov" BALIE_UPDATE_DIR="$t/no-updates")
  (umask 077; head -c 32 /dev/urandom > "$t/state/device.key")   # the demo key provider's device key
  "${tenv[@]}" "$build/sync/balie-enrol" tls-key --demo >/dev/null
  "${tenv[@]}" "$build/sync/balie-enrol" request --out "$t/enrol/request.json" >/dev/null
  jq -n --arg c "$(coa code create "$loc" demo-ops)" '{code: $c}' > "$t/enrol/code.json"
  jq -n --arg e "https://127.0.0.1:$port" --rawfile ca "$dir/pki/ca.pem" --arg p1 "$(cat "$dir/pki/coa-terminal/pin")" \
    --arg p2 "$(cat "$dir/pki/coa-backup/pin")" '{endpoint: $e, ca_pem: $ca, pins: [$p1, $p2]}' > "$t/coa-endpoint.json"
  echo "demo-coa: terminal: enrolment with the one-time code $(jq -r .code "$t/enrol/code.json") (balie-enrol online)"
  "${tenv[@]}" "$build/sync/balie-enrol" online --coa "$t/coa-endpoint.json" --dir "$t/enrol"
  "${tenv[@]}" "$build/store/balie-admin" bundle apply "$t/enrol/bundle.json" >/dev/null
  device_id=$(cat "$t/config/device-id"); device_pk=$(jq -r .device_ed25519_pk "$t/enrol/request.json")
  echo "demo-coa: terminal: enrolled as $device_id; the demo inboxes enrol its device key"
  for g in $(jq -r '.routes[].gemeentecode' "$dir/config.json"); do
    [ -f "$state/demo-inbox/$g/inbox.db" ] || continue
    "$build/sync/balie-inbox" enroll-device --db "$state/demo-inbox/$g/inbox.db" \
      --db-key-file "$state/demo-inbox/$g/inbox-db.key" --gemeentecode "$g" \
      --device-id "$device_id" --ed25519-pk "$device_pk" --locatiecode "$loc" >/dev/null
  done
  echo "demo-coa: terminal: pass 1 (residents and koppeling from COA)"
  "${tenv[@]}" "$build/sync/balie-syncd" --config "$t/config/syncd.json" --once || true
  echo "demo-coa: terminal: the scripted demo session on its kiosk (signs demo-01's declaration; screenshots in $t/shots)"
  rc=0
  SDL_AUDIODRIVER="${SDL_AUDIODRIVER:-dummy}" "${tenv[@]}" xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" \
    "$build/kiosk/balie-kiosk" --script "$root/assets/demo/demo-session.balie" --shots "$t/shots" > "$t/kiosk.log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { echo "demo-coa: terminal: the scripted session failed (exit $rc):"; tail -5 "$t/kiosk.log"; }
  echo "demo-coa: terminal: pass 2 (the signed record to the linked municipality) and pass 3 (health)"
  "${tenv[@]}" "$build/sync/balie-syncd" --config "$t/config/syncd.json" --once || true
  "${tenv[@]}" "$build/sync/balie-syncd" --config "$t/config/syncd.json" --once >/dev/null || true
  for g in $(jq -r '.routes[].gemeentecode' "$dir/config.json"); do
    [ -f "$state/demo-inbox/$g/inbox.db" ] || continue
    echo "demo-coa: terminal: $g received $("$build/sync/balie-inbox" dump --db "$state/demo-inbox/$g/inbox.db" --db-key-file "$state/demo-inbox/$g/inbox-db.key" --gemeentecode "$g" \
      | jq --arg d "$device_id" '[.[] | select(.device_id == $d)] | length') record(s) from $device_id"
  done
  coa device list
}

case "${1:-}" in
  pki) mkdir -p "$dir"; make_pki ;;
  terminal) terminal ;;
  start)
    [ -x "$coa_bin" ] || { echo "demo-coa: $coa_bin is not built" >&2; exit 1; }
    mkdir -p "$dir"
    start_pg
    make_pki
    stop_coa
    rm -f "$dir/terminal.port" "$dir/web.port"
    (cd "$dir" && exec "$coa_bin" --config "$dir/coa.json" serve >> "$dir/coa.log" 2>&1) &
    echo $! > "$dir/coa.pid"
    for _ in $(seq 100); do [ -f "$dir/web.port" ] && break; sleep 0.1; done
    [ -f "$dir/web.port" ] || { echo "demo-coa: balie-coa did not start; see $dir/coa.log" >&2; exit 1; }
    [ "${BALIE_COA_SEED:-1}" = 0 ] || seed
    echo "demo-coa: balie-coa runs: terminals on https://127.0.0.1:$port/v1, operators on https://127.0.0.1:$((port + 1))/"
    echo "demo-coa: operator login (demo-ops / demo-coa-operator-password) or this one-time link:"
    echo "demo-coa:   $(login_link)"
    ;;
  stop)
    stop_coa
    if [ -f "$pg/data/PG_VERSION" ]; then as_pg "$bindir/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    ;;
  status)
    if [ -f "$dir/coa.pid" ] && kill -0 "$(cat "$dir/coa.pid")" 2>/dev/null; then echo "balie-coa: running"; else echo "balie-coa: stopped"; fi
    coa device list || true
    ;;
  shot)
    out=${2:?usage: demo-coa.sh shot FILE.png}
    pin=$(cat "$dir/pki/coa-web/pin"); pin=${pin#sha256//}
    profile=$(mktemp -d)
    chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$profile" --window-size=1280,800 \
      --ignore-certificate-errors-spki-list="$pin" --screenshot="$out" "$(login_link 5)" >/dev/null 2>&1 || true
    rm -rf "$profile"
    if [ ! -s "$out" ]; then echo "demo-coa: no screenshot (chromium)" >&2; exit 1; fi
    echo "demo-coa: COA's fleet page: $out"
    ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
