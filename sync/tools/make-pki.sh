#!/usr/bin/env bash
# Makes a throw-away PKI for local balie-inbox instances (tests and the demo; never production):
#   make-pki.sh DIR DEVICE_ID GMxxxx [GMyyyy ...]
# Creates (only what is missing) under DIR:
#   ca.pem/ca.key                 the test CA (signs inbox server and device certificates)
#   rogue-ca.pem/rogue-ca.key     an unrelated CA (tests: untrusted certificates)
#   device/{cert.pem,key.pem,ed25519.seed}   device certificate (CN=DEVICE_ID) and signing seed
#   GMxxxx/{cert.pem,key.pem,pin}            server certificate (CN=GMxxxx, SAN 127.0.0.1/localhost)
#                                            and its CURLOPT_PINNEDPUBLICKEY string
#   GMxxxx/expired.pem, GMxxxx/rogue.pem     same key, expired / signed by the rogue CA
#   GMxxxx@TAG/...                           another key of GMxxxx (CN=GMxxxx; key rotation, backup pins)
# BALIE_PKI_EXTRA_SAN (e.g. IP:10.99.0.2) adds a subjectAltName to the server certificates.
set -euo pipefail
dir=$1; device=$2; shift 2
mkdir -p "$dir"; cd "$dir"
umask 077

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

mkca() {  # name cn
  [ -f "$1.pem" ] && return 0
  newkey "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "/O=Balie test/CN=$2" -out "$1.pem" 2>/dev/null
  mkdir -p "$1.db"; : > "$1.db/index.txt"; echo 1000 > "$1.db/serial"
  cat > "$1.cnf" <<CNF
[ca]
default_ca = ca_sect
[ca_sect]
database = $PWD/$1.db/index.txt
serial = $PWD/$1.db/serial
new_certs_dir = $PWD/$1.db
certificate = $PWD/$1.pem
private_key = $PWD/$1.key
default_md = sha256
policy = pol
unique_subject = no
copy_extensions = copy
[pol]
commonName = supplied
organizationName = optional
[server]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost${BALIE_PKI_EXTRA_SAN:+,$BALIE_PKI_EXTRA_SAN}
[client]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
CNF
}

sign() {  # ca csr out ext [startdate enddate]
  local extra=()
  if [ $# -ge 6 ]; then extra=(-startdate "$5" -enddate "$6"); else extra=(-days 825); fi
  openssl ca -batch -config "$1.cnf" -extensions "$4" -in "$2" -out "$3" -notext "${extra[@]}" >/dev/null 2>&1
}

mkca ca "Balie test CA"
mkca rogue-ca "Rogue CA"

mkdir -p device
if [ ! -f device/cert.pem ]; then
  newkey device/key.pem
  openssl req -new -key device/key.pem -subj "/O=Balie kiosk/CN=$device" -out device/req.csr 2>/dev/null
  sign ca device/req.csr device/cert.pem client
  openssl rand -hex 32 > device/ed25519.seed
fi

for g in "$@"; do
  mkdir -p "$g"
  [ -f "$g/cert.pem" ] && continue
  newkey "$g/key.pem"
  cn=${g%%@*}
  openssl req -new -key "$g/key.pem" -subj "/O=Gemeente $cn/CN=$cn" -out "$g/req.csr" 2>/dev/null
  sign ca "$g/req.csr" "$g/cert.pem" server
  sign ca "$g/req.csr" "$g/expired.pem" server 20200101000000Z 20200201000000Z
  sign rogue-ca "$g/req.csr" "$g/rogue.pem" server
  printf 'sha256//%s\n' "$(openssl pkey -in "$g/key.pem" -pubout -outform der | openssl dgst -sha256 -binary | base64)" > "$g/pin"
done
