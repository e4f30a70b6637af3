#!/usr/bin/env bash
# Shared parts of the tier B production tests (sourced by production-boot.sh and coa-boot.sh): step
# timing, an NTP server (chronyd) on the host's loopback for the guest (10.0.2.2 under qemu user
# networking), one qemu boot of $work/disk.img that prints the self-test's facts, and reading them.
# Needs $out (image build output), $work (the test's folder), $repo and the array pids (killed on exit).
# shellcheck disable=SC2034,SC2154 # variables shared with the sourcing script

t0=$(date +%s); tstep=$t0
step() { local now; now=$(date +%s); echo "STEP $1: $(( now - tstep ))s (total $(( now - t0 ))s)"; tstep=$now; }
pin_of() { printf 'sha256//%s' "$(openssl pkey -pubin -in "$1" -outform der 2>/dev/null | openssl dgst -sha256 -binary | base64)"; }

start_ntp() {  # chronyd serving this host's clock on 127.0.0.1:123 (the guest's 10.0.2.2)
  cat > "$work/chrony.conf" <<CONF
# NTP for the guest only: serves this host's clock on 127.0.0.1:123 (the guest's 10.0.2.2), never
# adjusts it (-x), no drift file, no command socket.
bindaddress 127.0.0.1
port 123
allow 127.0.0.1
local stratum 8
cmdport 0
pidfile $work/chronyd.pid
CONF
  chronyd -x -d -f "$work/chrony.conf" > "$work/chronyd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do ss -Hluan 'sport = :123' | grep -q 127.0.0.1 && break; sleep 0.1; done
  ss -Hluan 'sport = :123' | grep -q 127.0.0.1 || { cat "$work/chronyd.log"; fail "chronyd does not listen on 127.0.0.1:123"; }
}

qemu_boot() {  # qemu_boot NAME TIMEOUT [run-qemu.sh args...]: prints and sets $line (the self-test line)
  local name="$1" limit="$2" rc=0; shift 2
  "$repo/image/run-qemu.sh" --out "$out" --disk "$work/disk.img" --tpm-state "$work/tpm" --net \
    --timeout "$limit" --log "$work/$name.serial" "$@" >/dev/null 2>&1 || rc=$?
  line=$(grep -a -m1 '^KIOSK_SELFTEST=' "$work/$name.serial" | tr -d '\r' || true)
  # (|| true: a boot that printed none of these must still reach the verdict below, not end the test silently)
  { grep -a -E '^(BALIE_STEP|BALIE_APPLY |BALIE_SYNCD|BALIE_KIOSK|BALIE_COA)' "$work/$name.serial" || true; } | tr -d '\r' | sed "s/^/  $name: /"
  echo "boot $name: ${line:-no KIOSK_SELFTEST line} (qemu exit $rc)"
  if [ -z "$line" ]; then
    echo "--- last serial lines of $name:"; tail -30 "$work/$name.serial"
    fail "no KIOSK_SELFTEST line within ${limit}s on boot $name"
  fi
}
has() { grep -qw -- "$1" <<<"$line" || fail "boot $2: expected $1 in: $line"; }
fact() { tr ' ' '\n' <<<"$line" | sed -n "s/^$1=//p" | head -1; }
serial_b64() { grep -a -m1 "^$1=" "$work/$2.serial" | tr -d '\r' | cut -d= -f2- | base64 -d; }

# Boot 1 of an unenrolled terminal: its public enrolment request into $work/request.json, checked
# (format, CSR self-signature, TLS pin, short code); sets $device_pk and $enrol_machine_id.
boot_enrol_request() {
  qemu_boot enrol "$1" --selftest enrol
  has KIOSK_SELFTEST=PASS enrol; has enrolled=no enrol; has apply=success enrol; has resolv=../run/systemd/resolve/stub-resolv.conf enrol
  serial_b64 BALIE_ENROLMENT_REQUEST enrol > "$work/request.json" || fail "no enrolment request on the serial console"
  jq -e '.format == "balie-enrolment-request" and .format_version == 1' "$work/request.json" > /dev/null \
    || fail "not an enrolment request: $(cat "$work/request.json")"
  device_pk=$(jq -r .device_ed25519_pk "$work/request.json")
  jq -r .tls_csr_pem "$work/request.json" > "$work/device.csr"
  openssl req -in "$work/device.csr" -noout -verify 2>/dev/null || fail "the CSR's self-signature does not verify"
  openssl req -in "$work/device.csr" -noout -pubkey > "$work/device.pub.pem"
  [ "$(pin_of "$work/device.pub.pem")" = "$(jq -r .tls_pin "$work/request.json")" ] || fail "tls_pin is not the CSR key's pin"
  # short_code = first 80 bits of SHA-256(pk_hex "\n" tls_pin), Crockford base32, groups of 4 (contract)
  local want_code
  want_code=$(python3 -c '
import hashlib, json, sys
r = json.load(open(sys.argv[1]))
d = hashlib.sha256((r["device_ed25519_pk"] + "\n" + r["tls_pin"]).encode()).digest()[:10]
n = int.from_bytes(d, "big"); a = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
s = "".join(a[(n >> (75 - 5 * i)) & 31] for i in range(16))
print("-".join(s[i:i + 4] for i in range(0, 16, 4)))' "$work/request.json")
  [ "$(jq -r .short_code "$work/request.json")" = "$want_code" ] || fail "short_code $(jq -r .short_code "$work/request.json") != $want_code"
  enrol_machine_id=$(fact machine_id)
}
