#!/usr/bin/env bash
# Local municipality receivers for the demo: one balie-inbox per demo gemeente on loopback, with a
# demo CA made with openssl on first run, plus the kiosk-side routing table and balie-syncd config.
#   scripts/demo-inbox.sh start    start (or restart) GM0363 GM0344 GM0599 GM0518 GM0014
#   scripts/demo-inbox.sh stop     stop the instances this script started (by their pid files)
#   scripts/demo-inbox.sh status   which instances run, and what each received
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

case "${1:-start}" in
  stop) stop_all; exit 0 ;;
  status)
    for g in "${gemeenten[@]}"; do
      pid=$(cat "$dir/$g/pid" 2>/dev/null || true)
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then s="running (pid $pid, https://127.0.0.1:$(port_of "$g")/v1)"; else s="stopped"; fi
      n=$("$inbox_bin" dump --db "$dir/$g/inbox.db" --gemeentecode "$g" 2>/dev/null | jq length 2>/dev/null || echo 0)
      echo "$g: $s, $n records received"
    done
    exit 0 ;;
  start) ;;
  *) sed -n '2,10p' "$0"; exit 64 ;;
esac

for b in "$inbox_bin" "$syncd_bin"; do
  [ -x "$b" ] || { echo "demo-inbox: $b not built (cmake --build $build --target balie-inbox balie-syncd)" >&2; exit 1; }
done
mkdir -p "$dir" "$config"
chmod 700 "$dir"
"$root/sync/tools/make-pki.sh" "$dir/pki" "$device_id" "${gemeenten[@]}"

# The kiosk's device signing key: the key provider's demo device.key (32 raw bytes) if it exists.
if [ -f "$state/device.key" ] && [ "$(stat -c %s "$state/device.key")" = 32 ]; then
  od -An -tx1 -v "$state/device.key" | tr -d ' \n' > "$dir/device-ed25519.hex"; echo >> "$dir/device-ed25519.hex"
else
  cp "$dir/pki/device/ed25519.seed" "$dir/device-ed25519.hex"
fi
chmod 600 "$dir/device-ed25519.hex"
device_pk=$("$inbox_bin" seed-pubkey --file "$dir/device-ed25519.hex")

stop_all
routes='[]'
for g in "${gemeenten[@]}"; do
  mkdir -p "$dir/$g/keys"
  [ -f "$dir/$g/keys/signing.seed" ] || "$inbox_bin" keygen --dir "$dir/$g/keys" > /dev/null
  keys=$("$inbox_bin" pubkeys --keys "$dir/$g/keys")
  db=$dir/$g/inbox.db
  "$inbox_bin" enroll-device --db "$db" --gemeentecode "$g" --device-id "$device_id" --ed25519-pk "$device_pk"
  # This municipality's residents from the demo data set, in the store's dossier shape.
  jq --arg g "$g" '{residents: [.residents[] | select(.resident.gemeentecode == $g)
      | {resident_id: .resident.id, locatiecode: .resident.location_id, dossier: .}]}' "$demo_json" > "$dir/$g/residents.json"
  "$inbox_bin" import-dossiers --db "$db" --gemeentecode "$g" --file "$dir/$g/residents.json"
  port=$(port_of "$g")
  nohup "$inbox_bin" serve --gemeentecode "$g" --db "$db" --cert "$dir/pki/$g/cert.pem" --key "$dir/pki/$g/key.pem" \
    --client-ca "$dir/pki/ca.pem" --keys "$dir/$g/keys" --listen "127.0.0.1:$port" >> "$dir/$g/inbox.log" 2>&1 &
  echo $! > "$dir/$g/pid"
  routes=$(jq --arg g "$g" --arg url "https://127.0.0.1:$port" --rawfile ca "$dir/pki/ca.pem" \
    --arg pin "$(cat "$dir/pki/$g/pin")" --argjson k "$keys" \
    '. + [{gemeentecode: $g, base_url: $url, ca_pem: $ca, pinned_key: $pin, ed25519_pk: $k.ed25519_pk, x25519_pk: $k.x25519_pk,
           endpoint_base_url: $url, ca_certificate_pem: $ca, pinned_public_key: $pin,
           ack_verify_key: $k.ed25519_pk, box_public_key: $k.x25519_pk}]' <<< "$routes")
done
jq -n --argjson r "$routes" '{routes: $r}' > "$config/routing.json"
jq -n --arg store "$state/sync-dev.db" --arg dev "$device_id" --arg seed "$dir/device-ed25519.hex" \
  --arg cert "$dir/pki/device/cert.pem" --arg key "$dir/pki/device/key.pem" \
  --arg loc "$(jq -r '.device.location_id' "$demo_json")" \
  '{store: $store, device_id: $dev, device_key_file: $seed, client_cert: $cert, client_key: $key,
    locatiecode: $loc, window: "01:00-05:00"}' > "$config/syncd.json"
"$syncd_bin" --config "$config/syncd.json" import-routing "$config/routing.json"

for g in "${gemeenten[@]}"; do
  for _ in $(seq 50); do
    curl -s -o /dev/null --cacert "$dir/pki/ca.pem" --cert "$dir/pki/device/cert.pem" --key "$dir/pki/device/key.pem" \
      "https://127.0.0.1:$(port_of "$g")/v1/health" && break
    sleep 0.1
  done
done
echo "demo-inbox: ${gemeenten[*]} listening on 127.0.0.1:$(port_of GM0363) ... (base $base)"
echo "demo-inbox: routing table $config/routing.json, sync config $config/syncd.json"
echo "demo-inbox: sync now with: $syncd_bin --config $config/syncd.json --once"
