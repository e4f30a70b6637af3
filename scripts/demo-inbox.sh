#!/usr/bin/env bash
# Local municipality receivers for the demo: one balie-inbox per demo gemeente on loopback, with a
# demo CA made with openssl on first run, wired to the kiosk's own encrypted store (the only store).
#   scripts/demo-inbox.sh start    start (or restart) GM0363 GM0344 GM0599 GM0518 GM0014
#   scripts/demo-inbox.sh stop     stop the instances this script started (by their pid files)
#   scripts/demo-inbox.sh status   which instances run, and what each received (one line per record)
#   scripts/demo-inbox.sh reset    stop, and empty the demo inboxes (keys and demo CA are kept)
# Environment: BALIE_STATE_DIR (default ~/.local/state/balie), BALIE_CONFIG_DIR (default
# ~/.config/balie), BALIE_BUILD_DIR (default build/default), BALIE_DEMO_INBOX_PORT_BASE (default 18000:
# GM0363 listens on 18363, GM0014 on 18014, ...). See sync/README.md ("Demo").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${BALIE_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/balie}
config=${BALIE_CONFIG_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/balie}
build=${BALIE_BUILD_DIR:-$root/build/default}
base=${BALIE_DEMO_INBOX_PORT_BASE:-18000}
inbox_bin=$build/sync/balie-inbox
syncd_bin=$build/sync/balie-syncd
admin_bin=$build/store/balie-admin
demo_json=$root/assets/demo/demo.json
gemeenten=(GM0363 GM0344 GM0599 GM0518 GM0014)
dir=$state/demo-inbox
device_id=$(jq -r '.device.kiosk_id' "$demo_json")

port_of() { echo $((base + 10#${1#GM})); }

stop_all() {
  for g in "${gemeenten[@]}"; do
    pidf=$dir/$g/pid
    [ -f "$pidf" ] || continue
    pid=$(cat "$pidf")
    if kill -0 "$pid" 2>/dev/null && grep -q balie-inbox "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidf"
  done
}

# What one inbox received: "GM0363: running ..., 1 record(s) received", then one line per record.
show_status() {
  for g in "${gemeenten[@]}"; do
    pid=$(cat "$dir/$g/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then s="running (pid $pid, https://127.0.0.1:$(port_of "$g")/v1)"; else s="stopped"; fi
    recs='[]'
    if [ -f "$dir/$g/inbox.db" ]; then
      recs=$("$inbox_bin" dump --db "$dir/$g/inbox.db" --db-key-file "$dir/$g/inbox-db.key" --gemeentecode "$g" \
        --sensitive 2>/dev/null || echo '[]')
    fi
    echo "$g: $s, $(jq length <<< "$recs") record(s) received"
    # The sealed part opened with this municipality's key: only the resident id is shown (demo data).
    jq -r '.[] | "    \(.kind) \(.record_id) (device \(.device_id), seq \(.seq)) received \(.received_at);"
      + " opened here: resident \(.sensitive.resident_id // "?")"
      + (if .public.datumOndertekeningPvt then ", signed \(.public.datumOndertekeningPvt)" else "" end)' <<< "$recs"
  done
}

case "${1:-start}" in
  stop) stop_all; exit 0 ;;
  status) show_status; exit 0 ;;
  reset)
    stop_all
    for g in "${gemeenten[@]}"; do rm -f "$dir/$g/inbox.db" "$dir/$g/inbox.db-wal" "$dir/$g/inbox.db-shm"; done
    exit 0 ;;
  start) ;;
  *) sed -n '2,10p' "$0"; exit 64 ;;
esac

if [ "${BALIE_MODE:-}" = production ]; then
  echo "demo-inbox: refusing to wire demo inboxes into a production kiosk (BALIE_MODE=production)" >&2
  exit 1
fi
for b in "$inbox_bin" "$syncd_bin" "$admin_bin"; do
  [ -x "$b" ] || { echo "demo-inbox: $b not built (cmake --build $build --target balie-inbox balie-syncd balie-admin)" >&2; exit 1; }
done
mkdir -p "$state" "$dir" "$config"
chmod 700 "$state" "$dir"
"$root/sync/tools/make-pki.sh" "$dir/pki" "$device_id" "${gemeenten[@]}"

# balie-syncd works on the kiosk's own store ($state/balie.db, key from the key provider: demo db.key
# next to it), so records signed in the kiosk are what it sends.
jq -n --arg store "$state/balie.db" --arg dev "$device_id" \
  --arg cert "$dir/pki/device/cert.pem" --arg key "$dir/pki/device/key.pem" \
  --arg loc "$(jq -r '.device.location_id' "$demo_json")" \
  '{store: $store, device_id: $dev, client_cert: $cert, client_key: $key,
    locatiecode: $loc, window: "01:00-05:00"}' > "$config/syncd.json"

# The kiosk store must hold the demo data before the routes are set (seeding an empty store writes the
# demo routes, which would overwrite the endpoints below); seed-demo does nothing on a seeded store.
BALIE_STATE_DIR=$state "$admin_bin" seed-demo > /dev/null
# The kiosk's device signing key ($state/device.key, created by the key provider if missing): the
# key every inbox enrolls for this device_id.
device_pk=$("$syncd_bin" --config "$config/syncd.json" device-pubkey)

stop_all
# Client certificates the inboxes accept: the demo CA's, and COA's device CA when COA's demo PKI exists
# (scripts/demo-coa.sh pki; terminals enrolled at COA carry certificates from it).
cat "$dir/pki/ca.pem" "$state/demo-coa/pki/device-ca.pem" > "$dir/pki/client-cas.pem" 2>/dev/null || cp "$dir/pki/ca.pem" "$dir/pki/client-cas.pem"
# Inboxes that enrolled another device key (an earlier demo's key) hold another chain for this
# device_id: start them empty, or the kiosk's first record would look like a forked chain.
if [ -f "$dir/device.pk" ] && [ "$(cat "$dir/device.pk")" != "$device_pk" ]; then
  echo "demo-inbox: the kiosk's device key changed; emptying the demo inboxes"
  for g in "${gemeenten[@]}"; do rm -f "$dir/$g/inbox.db" "$dir/$g/inbox.db-wal" "$dir/$g/inbox.db-shm"; done
fi
echo "$device_pk" > "$dir/device.pk"
routes='[]'
for g in "${gemeenten[@]}"; do
  mkdir -p "$dir/$g/keys"
  # Municipality keys from the demo seeds the store's demo routes use (assets/demo/README.md), so
  # records sealed in the kiosk open here: Ed25519 seed SHA-256("balie-demo:<code>:ack"), X25519
  # seed SHA-256("balie-demo:<code>:box"). Never outside the demo.
  (umask 077
   printf 'balie-demo:%s:ack' "$g" | sha256sum | cut -c1-64 > "$dir/$g/keys/signing.seed"
   printf 'balie-demo:%s:box' "$g" | sha256sum | cut -c1-64 > "$dir/$g/keys/box.seed")
  keys=$("$inbox_bin" pubkeys --keys "$dir/$g/keys")
  db=$dir/$g/inbox.db
  # The inbox database is encrypted (SQLCipher) under this key; the demo keeps it in a 0600 file, a
  # municipality gives it as the systemd credential inbox-db-key (sync/README.md, "Receiver storage").
  dbkey=$dir/$g/inbox-db.key
  [ -f "$dbkey" ] || "$inbox_bin" db-keygen --file "$dbkey"
  # A plaintext inbox from before issue 17: move its records into an encrypted database once.
  if [ -f "$db" ] && [ "$(head -c 15 "$db")" = "SQLite format 3" ]; then
    mv "$db" "$db.plaintext-old"
    rm -f "$db-wal" "$db-shm"
    "$inbox_bin" migrate-plaintext --from "$db.plaintext-old" --db "$db" --db-key-file "$dbkey" --gemeentecode "$g" > /dev/null
    rm -f "$db.plaintext-old" "$db.plaintext-old-wal" "$db.plaintext-old-shm"
  fi
  "$inbox_bin" enroll-device --db "$db" --db-key-file "$dbkey" --gemeentecode "$g" --device-id "$device_id" --ed25519-pk "$device_pk" \
    --locatiecode "$(jq -r '.device.location_id' "$demo_json")"
  # This municipality's residents from the demo data set, in the store's dossier shape.
  jq --arg g "$g" '{residents: [.residents[] | select(.resident.gemeentecode == $g)
      | {resident_id: .resident.id, locatiecode: .resident.location_id, dossier: .}]}' "$demo_json" > "$dir/$g/residents.json"
  "$inbox_bin" import-dossiers --db "$db" --db-key-file "$dbkey" --gemeentecode "$g" --file "$dir/$g/residents.json"
  port=$(port_of "$g")
  nohup "$inbox_bin" serve --gemeentecode "$g" --db "$db" --db-key-file "$dbkey" --cert "$dir/pki/$g/cert.pem" --key "$dir/pki/$g/key.pem" \
    --client-ca "$dir/pki/client-cas.pem" --keys "$dir/$g/keys" --listen "127.0.0.1:$port" >> "$dir/$g/inbox.log" 2>&1 &
  echo $! > "$dir/$g/pid"
  routes=$(jq --arg g "$g" --arg url "https://127.0.0.1:$port" --rawfile ca "$dir/pki/ca.pem" \
    --arg pin "$(cat "$dir/pki/$g/pin")" --argjson k "$keys" \
    '. + [{gemeentecode: $g, base_url: $url, ca_pem: $ca, pinned_key: $pin, ed25519_pk: $k.ed25519_pk, x25519_pk: $k.x25519_pk}]' \
    <<< "$routes")
done
# The demo routes seeded into the kiosk store point at a placeholder endpoint without CA or pin:
# give them these inboxes' endpoints, CA and pins (the keys are the same demo keys).
jq -n --argjson r "$routes" '{routes: $r}' > "$config/routing.json"
"$syncd_bin" --config "$config/syncd.json" import-routing "$config/routing.json" > /dev/null

down=()
for g in "${gemeenten[@]}"; do
  up=0
  for _ in $(seq 50); do
    if curl -s -o /dev/null --cacert "$dir/pki/ca.pem" --cert "$dir/pki/device/cert.pem" --key "$dir/pki/device/key.pem" \
      "https://127.0.0.1:$(port_of "$g")/v1/health"; then up=1; break; fi
    sleep 0.1
  done
  [ "$up" = 1 ] || down+=("$g")
done
if [ "${#down[@]}" -gt 0 ]; then
  echo "demo-inbox: ${down[*]} did not come up (port in use? see $dir/<code>/inbox.log)" >&2
  exit 1
fi
echo "demo-inbox: ${gemeenten[*]} listening on 127.0.0.1:$(port_of GM0363) ... (base $base)"
echo "demo-inbox: kiosk store $state/balie.db routed to them; sync config $config/syncd.json"
echo "demo-inbox: sync now with: $syncd_bin --config $config/syncd.json --once"
