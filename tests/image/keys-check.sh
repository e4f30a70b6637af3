#!/usr/bin/env bash
# Tier A: image/keys.sh, the key selection of build.sh and uki.sh (no image build, no root needed):
# a production build with no keys fails listing every missing variable (build.sh --production too,
# before anything else runs); a TEST key (OVMF snakeoil, image/keys/*test*) or a mismatched pair is
# refused; a freshly generated non-test set passes; a development build reports keys=test; the trust file.
# Usage: keys-check.sh WORK_DIR
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
need_cmd openssl sbsign
work="${1:?work dir}"
repo=$(repo_dir)
keys="$repo/image/keys.sh"
[ -r /usr/share/ovmf/PkKek-1-snakeoil.pem ] || skip "OVMF's snakeoil keys are not installed (ovmf)"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
unset BALIE_KEYS BALIE_SB_KEY BALIE_SB_CERT BALIE_PCR_KEY BALIE_PCR_PUBKEY BALIE_PROVISIONING_PUBKEY \
  BALIE_UPDATE_SIGNER_CERT BALIE_SB_KEY_PASS BALIE_PCR_PUBKEYS
vars=(BALIE_SB_KEY BALIE_SB_CERT BALIE_PCR_KEY BALIE_PCR_PUBKEY BALIE_PROVISIONING_PUBKEY BALIE_UPDATE_SIGNER_CERT)
expect_refused() {  # expect_refused NAME PATTERN... -- COMMAND...: exits 1 and stderr has every pattern
  local name="$1" pats=() rc=0; shift
  while [ "$1" != -- ]; do pats+=("$1"); shift; done; shift
  "$@" > "$name.out" 2> "$name.err" || rc=$?
  [ "$rc" -eq 1 ] || { cat "$name.out" "$name.err" >&2; fail "$name: exit $rc, expected 1 (refused)"; }
  for p in "${pats[@]}"; do grep -qF -- "$p" "$name.err" || { cat "$name.err" >&2; fail "$name: no '$p' in the message"; }; done
  echo "ok: $name refused"
}

# 1. production, nothing set: one message naming all six variables
expect_refused none "${vars[@]/%/ is not set}" -- "$keys" check --production
[ "$(grep -c 'is not set' none.err)" -eq 6 ] || fail "none: expected six missing variables"
expect_refused none-env "BALIE_PCR_KEY is not set" -- env BALIE_KEYS=production "$keys" check

# 2. build.sh --production refuses before any other step (no root check, no tool, nothing written)
bin="$work/bin"; mkdir -p "$bin"
for t in bash env dirname cat openssl sha256sum awk tr grep sed id date git sort find paste cut; do
  p=$(command -v "$t") && ln -sf "$p" "$bin/$t"
done
expect_refused build "BALIE_SB_KEY is not set" "BALIE_UPDATE_SIGNER_CERT is not set" "no image built" -- \
  env PATH="$bin" "$repo/image/build.sh" --production --out "$work/build-out"
[ ! -e "$work/build-out" ] || fail "build.sh --production created its output before refusing"

# 3. a generated set that is no test key
openssl req -x509 -newkey rsa:2048 -nodes -keyout db.key -out db.pem -subj /CN=balie-test-db -days 30 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -subj /CN=balie-other -days 30 2>/dev/null
openssl genrsa -out pcr.key 2048 2>/dev/null; openssl rsa -in pcr.key -pubout -out pcr.pem 2>/dev/null
openssl genrsa -out pcr2.key 2048 2>/dev/null
openssl genpkey -algorithm ed25519 -out prov.key 2>/dev/null
openssl pkey -in prov.key -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n' > coa.pub; echo >> coa.pub
good=(BALIE_SB_KEY="$work/db.key" BALIE_SB_CERT="$work/db.pem" BALIE_PCR_KEY="$work/pcr.key" BALIE_PCR_PUBKEY="$work/pcr.pem"
      BALIE_PROVISIONING_PUBKEY="$work/coa.pub" BALIE_UPDATE_SIGNER_CERT="$work/db.pem")
env "${good[@]}" "$keys" check --production > good.out 2> good.err || { cat good.err >&2; fail "a non-test set was refused"; }
grep -qx 'keys=production' good.out || fail "good: no keys=production line"
grep -q 'TEST' good.err && fail "good: a production set warns about TEST keys"
echo "ok: a generated non-test set passes check --production"

# 4. test keys given as production keys
snake=/usr/share/ovmf/PkKek-1-snakeoil.pem
expect_refused snakeoil "BALIE_SB_CERT: $snake is a TEST key" -- env "${good[@]}" BALIE_SB_CERT="$snake" "$keys" check --production
expect_refused snakeoil-signer "BALIE_UPDATE_SIGNER_CERT: $snake is a TEST key" -- \
  env "${good[@]}" BALIE_UPDATE_SIGNER_CERT="$snake" "$keys" check --production
expect_refused pcr-test "BALIE_PCR_PUBKEY: $repo/image/keys/pcr-policy-test.pem is a TEST key" -- \
  env "${good[@]}" BALIE_PCR_PUBKEY="$repo/image/keys/pcr-policy-test.pem" "$keys" check --production
expect_refused prov-test "BALIE_PROVISIONING_PUBKEY: $repo/image/keys/provisioning-test.pub is a TEST key" -- \
  env "${good[@]}" BALIE_PROVISIONING_PUBKEY="$repo/image/keys/provisioning-test.pub" "$keys" check --production
tr 'a-f' 'A-F' < "$repo/image/keys/provisioning-test.pub" > upper-test.pub   # the same key, spelt otherwise
expect_refused prov-test-upper "is a TEST key" -- env "${good[@]}" BALIE_PROVISIONING_PUBKEY="$work/upper-test.pub" "$keys" check --production

# 5. mismatched pairs, a non-RSA policy key, an update signer that does not cover the db certificate
expect_refused sb-pair "BALIE_SB_KEY is not the private key of BALIE_SB_CERT" -- \
  env "${good[@]}" BALIE_SB_KEY="$work/other.key" "$keys" check --production
expect_refused pcr-pair "BALIE_PCR_KEY is not the private key of BALIE_PCR_PUBKEY" -- \
  env "${good[@]}" BALIE_PCR_KEY="$work/pcr2.key" "$keys" check --production
openssl pkey -in prov.key -pubout -out ed.pem 2>/dev/null
expect_refused pcr-rsa "BALIE_PCR_PUBKEY must be an RSA key" -- \
  env "${good[@]}" BALIE_PCR_KEY="$work/prov.key" BALIE_PCR_PUBKEY="$work/ed.pem" "$keys" check --production
expect_refused signer "BALIE_UPDATE_SIGNER_CERT is neither BALIE_SB_CERT nor its issuer" -- \
  env "${good[@]}" BALIE_UPDATE_SIGNER_CERT="$work/other.pem" "$keys" check --production
echo "not a key" > junk.pem
expect_refused junk "BALIE_SB_CERT: $work/junk.pem holds no key" -- env "${good[@]}" BALIE_SB_CERT="$work/junk.pem" "$keys" check --production

# 6. uki.sh sign refuses in production with test keys, signs with the good set
printf 'MZ not a PE file' > in.efi
expect_refused uki "BALIE_SB_KEY is not set" "not signing" -- env BALIE_KEYS=production "$repo/image/uki.sh" sign in.efi out.efi
[ ! -e out.efi ] || fail "uki.sh wrote a signed file with refused keys"

# 7. development: test keys, reported as such
"$keys" check > dev.out 2> dev.err || { cat dev.err >&2; fail "development check failed"; }
grep -qx 'keys=test' dev.out || fail "dev: no keys=test line"
grep -qx "BALIE_SB_CERT=$snake" dev.out || fail "dev: the db certificate is not OVMF's snakeoil"
grep -qx "BALIE_UPDATE_SIGNER_CERT=$snake" dev.out || fail "dev: the update signer is not the db certificate"
grep -qx "BALIE_PCR_PUBKEY=$repo/image/keys/pcr-policy-test.pem" dev.out || fail "dev: not the test PCR key"
grep -qx "BALIE_PROVISIONING_PUBKEY=$repo/image/keys/provisioning-test.pub" dev.out || fail "dev: not the test provisioning key"
grep -q 'TEST keys' dev.err || fail "dev: no TEST keys warning"
echo "ok: a development check reports keys=test"

# 8. the trust file build.sh writes (format of image/README.md)
mkdir -p prov && cp coa.pub prov/coa.pub
# shellcheck source=/dev/null
(export "${good[@]}"; . "$keys"; balie_keys_select production; balie_keys_write_trust "$work/trust" "$work/prov")
want_sb=$(openssl x509 -in db.pem -outform DER | sha256sum | cut -d' ' -f1)
# systemd's "pkfp" of the policy key: sha256 of the PKCS#1 RSA public key DER
want_pcr=$(openssl rsa -pubin -in pcr.pem -RSAPublicKey_out -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)
printf 'keys=production\nsb_cert_sha256=%s\npcr_policy_pubkey_sha256=%s\nprovisioning_keys=coa.pub\n' "$want_sb" "$want_pcr" > trust.want
diff trust.want trust || fail "the trust file differs from the expected one"
# shellcheck source=/dev/null
(. "$keys"; balie_keys_select; balie_keys_write_trust "$work/trust-dev" "$work/prov")
grep -qx 'keys=test' trust-dev || fail "a development build's trust file does not say keys=test"
# a rotation: several policy keys, and a pcr line written before (build.sh's PCR-policy block) is kept
want_pcr2=$(openssl rsa -in pcr2.key -RSAPublicKey_out -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)
# shellcheck source=/dev/null
(. "$keys"; BALIE_PCR_KEYS="$work/pcr.key $work/pcr2.key" balie_keys_select; \
  BALIE_PCR_KEYS="$work/pcr.key $work/pcr2.key" balie_keys_write_trust "$work/trust-rot" "$work/prov")
grep -qx "pcr_policy_pubkey_sha256=$want_pcr,$want_pcr2" trust-rot || { cat trust-rot; fail "two policy keys: not both fingerprints"; }
echo "pcr_policy_pubkey_sha256=cafe" > trust-pre
# shellcheck source=/dev/null
(. "$keys"; balie_keys_select; balie_keys_write_trust "$work/trust-pre" "$work/prov")
if [ "$(grep -c '^pcr_policy_pubkey_sha256=' trust-pre)" -ne 1 ] || ! grep -qx 'pcr_policy_pubkey_sha256=cafe' trust-pre; then
  cat trust-pre; fail "an existing pcr_policy line was not kept once"
fi
grep -qx 'keys=test' trust-pre || fail "trust-pre: no keys line"
echo "ok: trust files"
echo "PASS: keys.sh"
