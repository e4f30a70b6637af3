#!/usr/bin/env bash
# The image's trust keys: selects them for a development (test) or a production build and refuses a
# production build that lacks one or that is given a TEST key (OVMF's snakeoil, image/keys/*test*).
# Sourced by build.sh and uki.sh (balie_keys_select, balie_keys_fingerprint); exports BALIE_KEYS
# (test|production), BALIE_SB_KEY/_CERT, BALIE_PCR_KEY/_PUBKEY, BALIE_PROVISIONING_PUBKEY, BALIE_UPDATE_SIGNER_CERT.
# Usage: keys.sh check [--production]   (select and check, print the selection; exit 1 when refused)

balie_keys_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/keys
balie_snakeoil_cert=${BALIE_SNAKEOIL_DIR:-/usr/share/ovmf}/PkKek-1-snakeoil.pem
balie_snakeoil_key=${BALIE_SNAKEOIL_DIR:-/usr/share/ovmf}/PkKek-1-snakeoil.key
balie_key_vars=(BALIE_SB_KEY BALIE_SB_CERT BALIE_PCR_KEY BALIE_PCR_PUBKEY BALIE_PROVISIONING_PUBKEY BALIE_UPDATE_SIGNER_CERT)

# balie_keys_fingerprint FILE: sha256 (hex) of the public key in FILE (certificate, public or unencrypted
# private PEM key; BALIE_SB_KEY_PASS decrypts an encrypted one), or of the 64 hex of an Ed25519 key file
# (lower case). Prints nothing for a file that is none of these.
balie_keys_fingerprint() {
  local f="$1" hex
  [ -r "$f" ] || return 0
  hex=$(tr -d ' \n\r' < "$f" | tr 'A-F' 'a-f')
  if [[ "$hex" =~ ^[0-9a-f]{64}$ ]]; then printf '%s\n' "$hex"; return 0; fi
  { openssl x509 -in "$f" -noout -pubkey 2>/dev/null ||
    openssl pkey -pubin -in "$f" -pubout 2>/dev/null ||
    openssl pkey -in "$f" -passin "pass:${BALIE_SB_KEY_PASS:-}" -pubout 2>/dev/null; } |
    openssl pkey -pubin -outform DER 2>/dev/null | sha256sum | awk '$1 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {print $1}' || true
}

# balie_keys_is_test FILE: true when FILE holds a key of the repository's or OVMF's TEST set (also the
# Ed25519 public key belonging to a test seed).
balie_keys_is_test() {
  local fp t
  fp=$(balie_keys_fingerprint "$1")
  [ -n "$fp" ] || return 1
  for t in "$balie_snakeoil_cert" "$balie_keys_dir"/*test*; do
    [ -e "$t" ] && [ "$(balie_keys_fingerprint "$t")" = "$fp" ] && return 0
  done
  return 1
}

# balie_keys_select [production]: picks the key set (BALIE_KEYS=production or the argument: production)
# and exports it. Development: each variable not set falls back to its TEST key. Production: every
# variable must name a readable key that is no test key and the pairs must match; otherwise one message
# lists every problem and it returns 1. Cheap (openssl on a few small files): call it before any build step.
balie_keys_select() {
  [ "${1:-}" = production ] && BALIE_KEYS=production
  BALIE_KEYS=${BALIE_KEYS:-test}
  local problems=() v f
  case "$BALIE_KEYS" in
    test)
      if [ -z "${BALIE_SB_KEY:-}" ]; then
        BALIE_SB_KEY=$balie_snakeoil_key
        BALIE_SB_KEY_PASS=snakeoil   # OVMF's snakeoil key is encrypted with this (README.Debian)
        export BALIE_SB_KEY_PASS
      fi
      BALIE_SB_CERT=${BALIE_SB_CERT:-$balie_snakeoil_cert}
      BALIE_PCR_KEY=${BALIE_PCR_KEY:-$balie_keys_dir/pcr-policy-test.key}
      BALIE_PCR_PUBKEY=${BALIE_PCR_PUBKEY:-$balie_keys_dir/pcr-policy-test.pem}
      BALIE_PROVISIONING_PUBKEY=${BALIE_PROVISIONING_PUBKEY:-$balie_keys_dir/provisioning-test.pub}
      BALIE_UPDATE_SIGNER_CERT=${BALIE_UPDATE_SIGNER_CERT:-$BALIE_SB_CERT}
      for v in "${balie_key_vars[@]}"; do
        [ -r "${!v}" ] || problems+=("$v: cannot read ${!v}")
      done
      [ "$BALIE_SB_KEY" != "$balie_snakeoil_key" ] || [ -r "$balie_snakeoil_key" ] ||
        problems+=("OVMF's snakeoil test key is missing (install the ovmf package)")
      ;;
    production)
      unset BALIE_SB_KEY_PASS
      for v in "${balie_key_vars[@]}"; do
        f=${!v:-}
        if [ -z "$f" ]; then problems+=("$v is not set")
        elif [ ! -r "$f" ]; then problems+=("$v: cannot read $f")
        elif [ -z "$(balie_keys_fingerprint "$f")" ]; then problems+=("$v: $f holds no key this build can read")
        elif balie_keys_is_test "$f"; then problems+=("$v: $f is a TEST key (its private half is public)")
        fi
      done
      if [ "${#problems[@]}" -eq 0 ]; then
        [ "$(balie_keys_fingerprint "$BALIE_SB_KEY")" = "$(balie_keys_fingerprint "$BALIE_SB_CERT")" ] ||
          problems+=("BALIE_SB_KEY is not the private key of BALIE_SB_CERT")
        [ "$(balie_keys_fingerprint "$BALIE_PCR_KEY")" = "$(balie_keys_fingerprint "$BALIE_PCR_PUBKEY")" ] ||
          problems+=("BALIE_PCR_KEY is not the private key of BALIE_PCR_PUBKEY")
        openssl pkey -pubin -in "$BALIE_PCR_PUBKEY" -noout -text_pub 2>/dev/null | grep -q '^Modulus' ||
          problems+=("BALIE_PCR_PUBKEY must be an RSA key (systemd-measure in bookworm signs PCR policies with RSA)")
        openssl x509 -in "$BALIE_SB_CERT" -noout 2>/dev/null || problems+=("BALIE_SB_CERT is not a PEM certificate")
        # The update installer (sbverify --cert) accepts UKIs whose signer chains to this certificate.
        openssl verify -partial_chain -CAfile "$BALIE_UPDATE_SIGNER_CERT" "$BALIE_SB_CERT" >/dev/null 2>&1 ||
          problems+=("BALIE_UPDATE_SIGNER_CERT is neither BALIE_SB_CERT nor its issuer: the terminal would refuse this build's updates")
        grep -Eqx '[0-9a-fA-F]{64}' "$BALIE_PROVISIONING_PUBKEY" ||
          problems+=("BALIE_PROVISIONING_PUBKEY must be one line of 64 hex (COA's Ed25519 public key)")
      fi
      ;;
    *) problems+=("BALIE_KEYS must be test or production, not '$BALIE_KEYS'") ;;
  esac
  if [ "${#problems[@]}" -gt 0 ]; then
    {
      echo "keys.sh: refusing the $BALIE_KEYS key set:"
      printf '  - %s\n' "${problems[@]}"
      [ "$BALIE_KEYS" = production ] &&
        echo "  A production build needs all of ${balie_key_vars[*]} (image/README.md, Production keys)."
    } >&2
    return 1
  fi
  export BALIE_KEYS "${balie_key_vars[@]}"
  return 0
}

# balie_keys_pcr_fingerprint FILE: systemd's fingerprint of an RSA PCR-policy key (private or public PEM):
# sha256 of the PKCS#1 public key DER, as in the UKI's .pcrsig "pkfp".
balie_keys_pcr_fingerprint() {
  { openssl pkey -pubin -in "$1" -outform DER 2>/dev/null || openssl pkey -in "$1" -pubout -outform DER 2>/dev/null; } |
    openssl rsa -pubin -inform DER -RSAPublicKey_out -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1
}

# balie_keys_write_trust FILE PROVISIONING_KEYS_DIR: the image's /usr/lib/balie/trust (key=value lines,
# read by balie-admin health, the kiosk's staff status, bundle apply and the self-test): which key set
# the image was built with, the db certificate's and the PCR-policy keys' fingerprints, the trusted
# provisioning keys. A pcr_policy_pubkey_sha256 line FILE already has is kept (build.sh's PCR-policy
# block writes it for every key of a rotation); else it is the fingerprint of BALIE_PCR_KEYS (space
# separated private keys) or BALIE_PCR_PUBKEY.
balie_keys_write_trust() {
  local file="$1" prov="$2" pcr="" k names
  if [ -f "$file" ]; then pcr=$(sed -n 's/^pcr_policy_pubkey_sha256=//p' "$file" | tail -1); fi
  if [ -z "$pcr" ]; then
    for k in ${BALIE_PCR_KEYS:-$BALIE_PCR_PUBKEY}; do pcr="${pcr:+$pcr,}$(balie_keys_pcr_fingerprint "$k")"; done
  fi
  names=$(find "$prov" -maxdepth 1 -name '*.pub' -printf '%f\n' | LC_ALL=C sort | paste -sd, -)
  {
    echo "keys=$BALIE_KEYS"
    echo "sb_cert_sha256=$(openssl x509 -in "$BALIE_SB_CERT" -outform DER | sha256sum | cut -d' ' -f1)"
    echo "pcr_policy_pubkey_sha256=$pcr"
    echo "provisioning_keys=$names"
  } > "$file.new"
  mv "$file.new" "$file"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ "${1:-}" = check ] || { echo "usage: keys.sh check [--production]" >&2; exit 2; }
  mode=""
  [ "${2:-}" = --production ] && mode=production
  balie_keys_select "$mode" || exit 1
  echo "keys=$BALIE_KEYS"
  for v in "${balie_key_vars[@]}"; do echo "$v=${!v}"; done
  [ "$BALIE_KEYS" = production ] || echo "WARNING: TEST keys: never ship this image (anyone can sign for it)" >&2
fi
