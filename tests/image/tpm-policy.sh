#!/usr/bin/env bash
# Tier A: the signed PCR 11 policy, anti-rollback and policy-key rotation (issue 20, image/README.md "Trust
# chain") against swtpm. UKIs are built by image/uki.sh from small dummy kernel/initrd files; a "boot" resets
# the TPM and extends PCR 7 and PCR 11 with exactly what firmware and systemd-stub would (the section names
# and contents, cross-checked with `systemd-measure calculate`), and hands over .pcrsig/.pcrpkey as the stub
# does. image/rootfs/usr/lib/balie/tpm-policy then seals, selects, re-seals and checks the epoch.
# Usage: tpm-policy.sh
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
need_cmd swtpm swtpm_setup swtpm_ioctl systemd-creds tpm2_pcrextend tpm2_startup tpm2_nvdefine tpm2_flushcontext \
  objcopy objdump sbsign openssl /usr/bin/python3
[ -x /usr/lib/systemd/systemd-measure ] || skip "systemd-measure missing (systemd)"
ls /usr/lib/x86_64-linux-gnu/libtss2-tcti-swtpm.so.0* >/dev/null 2>&1 || skip "libtss2-tcti-swtpm0 missing"
[ -f /usr/share/ovmf/PkKek-1-snakeoil.key ] || skip "ovmf missing (the snakeoil db key signs the test UKIs)"
repo=$(repo_dir)
policy="$repo/image/rootfs/usr/lib/balie/tpm-policy"

work=$(mktemp -d /tmp/balie-tpm-policy.XXXXXX)
pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$((23000 + ($$ % 2000) * 4))
pid=$(start_swtpm "$work/tpm" "$port") || exit 1
export BALIE_TPM2_DEVICE="swtpm:host=127.0.0.1,port=$port" TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
export BALIE_BOOT_PCR_SIGNATURE="$work/run/tpm2-pcr-signature.json" BALIE_BOOT_PCR_PUBKEY="$work/run/tpm2-pcr-public-key.pem"
export BALIE_SECURITY_EPOCH_FILE="$work/epoch" BALIE_STUB_MEASURED=1 BALIE_TPM2_FLUSH=1
sha() { sha256sum | cut -d' ' -f1; }
# as the terminal does at provisioning (a failed unseal must not count towards a DA lockout in this test)
sh "$repo/image/rootfs/usr/lib/balie/tpm-da-setup" "$TPM2TOOLS_TCTI" >/dev/null || fail "tpm-da-setup failed"

# --- the keys: the TEST policy key (old), a new one (rotation), a foreign one (not COA's)
old="$repo/image/keys/pcr-policy-test.key"
openssl genrsa -out "$work/new.key" 2048 2>/dev/null
openssl genrsa -out "$work/foreign.key" 2048 2>/dev/null

# --- UKIs: uki NAME EPOCH KEYS... (a different kernel per image version, as real versions differ)
uki() {
  local name="$1" epoch="$2"; shift 2
  local o="$work/build-$name"
  mkdir -p "$o/rootfs/usr/lib/balie"
  head -c 4096 /dev/urandom > "$o/kernel"; head -c 2048 /dev/urandom > "$o/initrd"
  echo "root=/dev/mapper/root ro balie.verity=/dev/disk/by-partlabel/root-a,x,$(printf %s "$name" | sha)" > "$o/cmdline"
  echo "$epoch" > "$o/rootfs/usr/lib/balie/security-epoch"
  BALIE_PCR_KEYS="$*" "$repo/image/uki.sh" build "$o" "$work/$name.efi" --version 7 >/dev/null 2>&1 ||
    BALIE_PCR_KEYS="$*" "$repo/image/uki.sh" build "$o" "$work/$name.efi" --version 7 || fail "uki.sh build $name failed"
}
uki v1 1 "$old"                       # today's release, policy key "old"
uki v2 2 "$old"                       # a security release (epoch 2)
uki p1 2 "$old" "$work/new.key"       # rotation phase 1: signed by both keys
uki p2 2 "$work/new.key"              # rotation phase 2: the new key only
uki foreign 2 "$work/foreign.key"     # signed with the db key, .pcrsig by a key that is not COA's
openssl pkey -in "$work/new.key" -pubout > "$work/p2-keys.pem"
sbverify --cert /usr/share/ovmf/PkKek-1-snakeoil.pem "$work/foreign.efi" >/dev/null 2>&1 || fail "foreign.efi is not db-signed"
# the attacker's variant: a db-signed UKI (other kernel) carrying v1's genuine .pcrsig and .pcrpkey
mkdir -p "$work/x"
for s in pcrsig pcrpkey; do objcopy -O binary --only-section=".$s" "$work/v1.efi" "$work/x/$s"; done
objcopy --update-section .pcrsig="$work/x/pcrsig" --update-section .pcrpkey="$work/x/pcrpkey" "$work/foreign.efi" "$work/copied.efi" 2>/dev/null ||
  fail "could not graft v1's signature onto another UKI"

# --- a boot: TPM reset (PCRs zero), PCR 7 = Secure Boot state, PCR 11 = what systemd-stub measures
section() {  # section UKI NAME OUT: the bytes the stub measures (VirtualSize)
  local size
  size=$(objdump -h "$1" | awk -v s="$2" '$2 == s { print $3 }')
  [ -n "$size" ] || { : > "$3"; return 1; }
  objcopy -O binary --only-section="$2" "$1" "$3.raw"
  head -c "$((16#$size))" "$3.raw" > "$3"; rm -f "$3.raw"
}
boot() {  # boot UKI [SB_STATE]
  local uki="$1" sb="${2:-secure-boot-on}" s d
  tpm2_shutdown -c >/dev/null 2>&1 || true   # an orderly reboot
  TPM2TOOLS_TCTI="" swtpm_ioctl --tcp "127.0.0.1:$((port + 1))" -i >/dev/null || fail "swtpm_ioctl init failed"
  tpm2_startup -c >/dev/null 2>&1 || fail "tpm2_startup failed"
  tpm2_pcrextend "7:sha256=$(printf %s "$sb" | sha)" >/dev/null
  rm -rf "$work/sec" "$work/run"; mkdir -p "$work/sec" "$work/run"
  for s in .linux .osrel .cmdline .initrd .splash .dtb .pcrpkey; do   # systemd 252's order; .pcrsig is not measured
    section "$uki" "$s" "$work/sec/$s" || continue
    tpm2_pcrextend "11:sha256=$(printf '%s\0' "$s" | sha)" >/dev/null
    tpm2_pcrextend "11:sha256=$(sha < "$work/sec/$s")" >/dev/null
  done
  d=$(/usr/lib/systemd/systemd-measure calculate --linux="$work/sec/.linux" --osrel="$work/sec/.osrel" \
      --cmdline="$work/sec/.cmdline" --initrd="$work/sec/.initrd" --pcrpkey="$work/sec/.pcrpkey" --bank=sha256 --phase=: 2>/dev/null |
      sed -n 's/^11:sha256=//p')
  [ "$(tpm2_pcrread sha256:11 | awk '/11:/ {print tolower($2)}')" = "0x$d" ] || fail "simulated PCR 11 differs from systemd-measure's"
  section "$uki" .pcrsig "$BALIE_BOOT_PCR_SIGNATURE" || rm -f "$BALIE_BOOT_PCR_SIGNATURE"
  cp "$work/sec/.pcrpkey" "$BALIE_BOOT_PCR_PUBKEY"
  sed -n 's/^BALIE_SECURITY_EPOCH=//p' "$work/sec/.osrel" > "$work/epoch"
}
phase() { tpm2_pcrextend "11:sha256=$(printf %s "$1" | sha)" >/dev/null; }   # systemd-pcrphase
flush() { tpm2_flushcontext -l >/dev/null 2>&1 || true; tpm2_flushcontext -t >/dev/null 2>&1 || true; }   # swtpm has no resource manager
unseal() {  # unseal DIR NAME: the way a unit's LoadCredentialEncrypted= does it (signature from /run)
  flush
  systemd-creds decrypt --tpm2-device="$BALIE_TPM2_DEVICE" --tpm2-signature="$BALIE_BOOT_PCR_SIGNATURE" \
    --name="$2" "$1/$2.cred" "$work/out" 2>"$work/unseal.err" && cmp -s "$work/out" "$work/secret.$2"
}
provision() {  # provision DIR: two keys sealed as balie-provision does
  mkdir -p "$1"
  for n in balie-db-key balie-device-key; do
    head -c 32 /dev/urandom > "$work/secret.$n"; flush
    "$policy" seal "$n" "$1" < "$work/secret.$n" 2>>"$work/seal.log" || { cat "$work/seal.log" >&2; fail "seal $n failed"; }
  done
}
ok() { echo "ok   $*"; }

# 1. policy-signed unseal works, at each phase we unseal in
boot "$work/v1.efi"
[ "$("$policy" mode)" = signed11+7 ] || fail "mode is not signed11+7 on a measured UKI boot"
provision "$work/t1"
unseal "$work/t1" balie-db-key || { cat "$work/unseal.err" >&2; fail "policy-signed unseal failed (early phase)"; }
phase sysinit; unseal "$work/t1" balie-db-key || fail "unseal failed after 'sysinit'"
phase ready; unseal "$work/t1" balie-device-key || fail "unseal failed after 'sysinit:ready'"
ok "signed PCR 11 + PCR 7: unsealed before sysinit, at sysinit and at ready"
flush; if systemd-creds decrypt --tpm2-device="$BALIE_TPM2_DEVICE" --tpm2-signature=/dev/null --name=balie-db-key \
  "$work/t1/balie-db-key.cred" - >/dev/null 2>&1; then fail "unsealed without a PCR signature: the policy is not bound"; fi
ok "without the UKI's signature nothing unseals"

# 2. a UKI signed with the db key but not the policy key cannot unseal
boot "$work/foreign.efi"
unseal "$work/t1" balie-db-key && fail "a UKI whose .pcrsig is from another key unsealed"
ok "db-signed UKI, .pcrsig by a foreign key: refused ($(head -1 "$work/unseal.err"))"
boot "$work/copied.efi"
unseal "$work/t1" balie-db-key && fail "a UKI carrying another UKI's genuine .pcrsig unsealed"
ok "db-signed UKI carrying v1's genuine .pcrsig: refused ($(head -1 "$work/unseal.err"))"
# PCR 7 is still bound: the right UKI under another Secure Boot state
boot "$work/v1.efi" secure-boot-off
unseal "$work/t1" balie-db-key && fail "unsealed under another Secure Boot state (PCR 7 not bound)"
ok "right UKI, other PCR 7: refused"

# 3. no measured UKI (direct kernel boot, tier B): PCR 7 only, and said so
boot "$work/v1.efi"; rm -f "$BALIE_BOOT_PCR_SIGNATURE" "$BALIE_BOOT_PCR_PUBKEY"
[ "$("$policy" mode)" = pcr7-only ] || fail "mode is not pcr7-only without a signature"
provision "$work/t0"
grep -q "sealed to PCR 7 only" "$work/seal.log" || fail "the PCR 7-only fallback is not reported"
unseal "$work/t0" balie-db-key || fail "PCR 7-only round trip failed"
ok "no measured UKI: sealed to PCR 7 only (mode pcr7-only), round trip works"

# 4. anti-rollback: the minimum epoch in the TPM's NV bit field
boot "$work/v2.efi"
provision "$work/t2"
echo 2 > "$work/epoch"; flush
"$policy" epoch-init 2>/dev/null || fail "epoch-init failed"
[ "$("$policy" epoch-min)" = 2 ] || fail "the NV minimum is not 2 after epoch-init at epoch 2"
"$policy" epoch-raise 1 2>/dev/null; [ "$("$policy" epoch-min)" = 2 ] || fail "the NV minimum went down"
"$policy" epoch-check >/dev/null || fail "epoch 2 refused at minimum 2"
unseal "$work/t2" balie-db-key || fail "epoch 2 at minimum 2 did not unseal"
ok "epoch 2 >= minimum 2: unseals; the minimum never goes down"
for e in 31 32 33 63; do   # both 32-bit halves of the NV bit field, up to the last epoch
    BALIE_EPOCH_NV=0x01BA1E01 "$policy" epoch-init 2>/dev/null || fail "epoch-init (second index) failed"
  BALIE_EPOCH_NV=0x01BA1E01 "$policy" epoch-raise "$e" 2>/dev/null || fail "raising epoch $e failed"
  [ "$(BALIE_EPOCH_NV=0x01BA1E01 "$policy" epoch-min)" = "$e" ] || fail "epoch $e read back as $(BALIE_EPOCH_NV=0x01BA1E01 "$policy" epoch-min)"
done
ok "epochs 31, 32, 33, 63 read back exactly"
# an older release signed with the same keys: v1 (epoch 1) unseals without the check ...
boot "$work/v1.efi"; cp "$work/t2/balie-db-key.cred" "$work/old.cred"
unseal "$work/t2" balie-db-key || fail "control: v1 (same policy key) does not unseal at all, the check below proves nothing"
# ... and its own check (signed code, run before anything unseals) poisons PCR 11
if "$policy" epoch-check 2>"$work/epoch.err"; then fail "epoch 1 passed the check at minimum 2"; fi
grep -q "below this terminal's minimum 2" "$work/epoch.err" || fail "no clear message: $(cat "$work/epoch.err")"
unseal "$work/t2" balie-db-key && fail "epoch 1 unsealed after its check failed"
ok "epoch 1 below minimum 2: check refuses, PCR 11 poisoned, nothing unseals ($(head -1 "$work/epoch.err" | cut -c1-60)...)"
# the NV index deleted on a provisioned terminal: refused, not skipped
tpm2_nvundefine 0x01BA1E00 -C o >/dev/null
truncate -s 16M "$work/luks.img"
if command -v cryptsetup >/dev/null && printf pw | cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 \
     --pbkdf-force-iterations 1000 --key-file=- "$work/luks.img" >/dev/null 2>&1; then
  boot "$work/v2.efi"
  BALIE_DATA_DEV="$work/luks.img" "$policy" epoch-check 2>/dev/null && fail "a missing NV index on a LUKS terminal passed"
    "$policy" epoch-check >/dev/null || fail "a missing NV index before provisioning was refused"
  # a volume from before the mechanism (a PCR 7-only token): its first boot of this image passes
  cp "$work/luks.img" "$work/legacy.img"; flush
  PASSWORD=pw systemd-cryptenroll --tpm2-device="$BALIE_TPM2_DEVICE" --tpm2-pcrs=7 "$work/legacy.img" >/dev/null 2>&1 || fail "legacy token failed"
  BALIE_DATA_DEV="$work/legacy.img" "$policy" epoch-check >/dev/null || fail "a volume from before the epoch (PCR 7-only token) was refused"
  flush; PASSWORD=pw "$policy" luks-enroll "$work/legacy.img" 2>/dev/null || fail "signed token on the legacy volume failed"
  "$policy" luks-prune "$work/legacy.img" 2>/dev/null || fail "prune of the legacy volume failed"
  BALIE_DATA_DEV="$work/legacy.img" "$policy" epoch-check 2>/dev/null && fail "a migrated volume (signed tokens only) without NV index passed"
  rm -f "$work/legacy.img"
  ok "NV index missing: passes before provisioning and on a volume from before the epoch; refused on a signed-policy LUKS2 volume"
fi

# 5. rotation of the policy key in two phases; and a terminal that skipped phase 1
boot "$work/v1.efi"; provision "$work/r"
# control: without the pre-install step, phase 2's UKI cannot unseal (so the steps below prove something)
cp -a "$work/r" "$work/r-control"
boot "$work/p2.efi"; "$policy" select "$work/r-control"
unseal "$work/r-control" balie-db-key && fail "control: phase 2 unsealed without the new key's copies"
# phase 1 bundle installed from v1: the installer's pre-install step adds copies for the new key
boot "$work/v1.efi"; flush; "$policy" reseal "$work/p1.efi" "$work/r" 2>/dev/null || fail "reseal for phase 1 failed"
copies=("$work"/r/balie-db-key.cred.*)
[ "${#copies[@]}" = 2 ] || fail "expected two copies of balie-db-key (old and new key)"
unseal "$work/r" balie-db-key || fail "v1 no longer unseals after the phase 1 pre-install step"
boot "$work/p1.efi"; "$policy" select "$work/r"; unseal "$work/r" balie-db-key || fail "phase 1 UKI does not unseal"
ok "phase 1: copies for the new key added on v1; v1 and the phase 1 UKI (both keys) unseal"
flush; "$policy" reseal "$work/p2.efi" "$work/r" 2>/dev/null || fail "reseal for phase 2 failed"
boot "$work/p2.efi"; "$policy" select "$work/r"; phase sysinit
unseal "$work/r" balie-db-key || fail "phase 2 UKI does not unseal"
unseal "$work/r" balie-device-key || fail "phase 2 UKI does not unseal the device key"
"$policy" prune "$work/r" 2>/dev/null   # after the blessed phase 2 boot
copies=("$work"/r/balie-db-key.cred.*)
{ [ "${#copies[@]}" = 1 ] && [ -e "${copies[0]}" ]; } || fail "prune should leave exactly the new key's copy: ${copies[*]}"
boot "$work/p1.efi"; "$policy" select "$work/r"; unseal "$work/r" balie-db-key || fail "the phase 1 slot (roll-back) does not unseal after the prune"
ok "phase 2: new key only unseals; old copies retired after the blessed boot; the phase 1 slot still unseals"
boot "$work/v1.efi"; "$policy" select "$work/r"; unseal "$work/r" balie-db-key && fail "v1 (old key only) unsealed after the old key was retired"
ok "after retirement a UKI signed only by the old key no longer unseals"
# a terminal that never installed phase 1: phase 2's pre-install step on v1 does it
boot "$work/v1.efi"; provision "$work/s"
flush; "$policy" reseal "$work/p2.efi" "$work/s" 2>/dev/null || fail "reseal (skipped phase 1) failed"
unseal "$work/s" balie-db-key || fail "v1 stopped unsealing after phase 2's pre-install step"
boot "$work/p2.efi"; "$policy" select "$work/s"; unseal "$work/s" balie-db-key || fail "skipped phase 1: phase 2 does not unseal"
ok "skipped phase 1: phase 2's pre-install step re-seals, phase 2 unseals, v1 (roll-back) still unseals"

# 6. db-key rotation: the announcing bundle adds signed-11-only copies; the first healthy boot under the
#    new db re-seals to the new PCR 7 and removes them
boot "$work/v2.efi"; provision "$work/db"
flush; "$policy" reseal "$work/v2.efi" "$work/db" --no7 2>/dev/null || fail "the db-rotation announcement's re-seal failed"
[ -e "$work/db/db-rotation-pending" ] || fail "no pending db rotation recorded"
boot "$work/v2.efi"; "$policy" bless "$work/db" 2>/dev/null || fail "bless under the old db failed"
compgen -G "$work/db/balie-db-key.cred.*.no7" >/dev/null || fail "a healthy boot under the old db removed the temporary copies"
cp -a "$work/db" "$work/db-control"; rm -f "$work"/db-control/*.no7
boot "$work/v2.efi" secure-boot-new-db; "$policy" select "$work/db-control"
unseal "$work/db-control" balie-db-key && fail "control: the new db unsealed without the temporary copies"
boot "$work/v2.efi" secure-boot-new-db; "$policy" select "$work/db"
unseal "$work/db" balie-db-key || { cat "$work/unseal.err"; fail "the temporary signed-11-only copy does not unseal under the new db"; }
"$policy" bless "$work/db" 2>/dev/null || fail "bless under the new db failed"
compgen -G "$work/db/*.no7" >/dev/null && fail "the temporary copies survived the first healthy boot under the new db"
[ -e "$work/db/db-rotation-pending" ] && fail "the db rotation is still pending"
unseal "$work/db" balie-db-key || fail "after bless under the new db: no unseal"
grep -q . <(cat "$work/db"/balie-db-key.cred.*) || fail "no copy left"
boot "$work/v2.efi"; "$policy" select "$work/db"
unseal "$work/db" balie-db-key && fail "after the db rotation the old Secure Boot state still unseals (PCR 7 not re-bound)"
ok "db-key rotation: signed-11-only copies bridge the new PCR 7; the first healthy boot re-binds PCR 7 and drops them"

# 7. LUKS2 header side (no device-mapper needed; unlocking itself needs /dev/tpmrm0, see README)
if [ -s "$work/luks.img" ] && [ "$(id -u)" -eq 0 ]; then
  boot "$work/v1.efi"; flush
  PASSWORD=pw BALIE_ENROLL_SIGNATURE="$BALIE_BOOT_PCR_SIGNATURE" "$policy" luks-enroll "$work/luks.img" 2>/dev/null ||
    fail "luks-enroll with the booted UKI's signature failed"
  boot "$work/foreign.efi"; flush; cp "$work/luks.img" "$work/luks-before"
  section "$work/v1.efi" .pcrsig "$work/v1.sig"
  if PASSWORD=pw BALIE_ENROLL_SIGNATURE="$work/v1.sig" "$policy" luks-enroll "$work/luks.img" "$work/p2.efi" 2>/dev/null; then
    fail "a token was enrolled although v1's signature does not match this boot's PCR 11"
  fi
  ok "LUKS2: token enrolled under v1 (signature checked against the TPM); refused when the signature does not match PCR 11"
  # prune under phase 2: the old key's token and a PCR 7-only one go, the new key's stays
  flush; PASSWORD=pw "$policy" luks-enroll "$work/luks.img" "$work/p2.efi" 2>/dev/null || fail "enrolling the new key failed"
  flush; PASSWORD=pw systemd-cryptenroll --tpm2-device="$BALIE_TPM2_DEVICE" --tpm2-pcrs=7 "$work/luks.img" >/dev/null 2>&1 || fail "PCR 7-only token failed"
  ntok() { cryptsetup luksDump "$work/luks.img" | grep -c ': systemd-tpm2$'; }
    [ "$(ntok)" = 3 ] || fail "expected 3 tokens before the prune, got $(ntok)"
  # systemd 252's cryptsetup stops at the first non-matching token: before the unlock, this boot's key first.
  # libcryptsetup tries the tokens in the order of the header's JSON object, not by id (what luksDump lists):
  # read that order independently of tpm-policy's own parser.
  first_token() {
    cryptsetup luksDump --dump-json-metadata "$work/luks.img" | python3 -c 'import json, sys
t = json.load(sys.stdin)["tokens"]
print(next(k for k, v in t.items() if v["type"] == "systemd-tpm2"))'
  }
  boot "$work/p2.efi"; "$policy" luks-order "$work/luks.img" 2>/dev/null || fail "luks-order failed"
  [[ "$(cryptsetup token export --token-id "$(first_token)" "$work/luks.img")" == *"$(base64 -w0 < "$work/p2-keys.pem")"* ]] ||
    fail "after luks-order under phase 2 the first token is not the new key's"
  [ "$(ntok)" = 3 ] || fail "luks-order changed the number of tokens: $(ntok)"
  boot "$work/v1.efi"; "$policy" luks-order "$work/luks.img" 2>/dev/null || fail "luks-order (v1) failed"
  [[ "$(cryptsetup token export --token-id "$(first_token)" "$work/luks.img")" == *"$(openssl pkey -in "$old" -pubout | base64 -w0)"* ]] ||
    fail "after luks-order under v1 the first token is not the old key's"
  [ "$(cryptsetup luksDump "$work/luks.img" | grep -cE '^  [0-9]+: luks2')" = 4 ] || fail "luks-order changed the key slots"
  ok "LUKS2 token order: the booted key's token is the first one libcryptsetup tries (phase 2, then v1), no token or key slot lost"
  boot "$work/p2.efi"; "$policy" luks-prune "$work/luks.img" 2>"$work/prune.log" || { cat "$work/prune.log" >&2; fail "luks-prune failed"; }
  [ "$(ntok)" = 1 ] || fail "expected 1 token after the prune, got $(ntok)"
  id=$(cryptsetup luksDump "$work/luks.img" | awk '/^Tokens:/ {t=1; next} t && /: systemd-tpm2$/ && !n++ {sub(":", "", $1); print $1}')
  [[ "$(cryptsetup token export --token-id "$id" "$work/luks.img")" == *"$(base64 -w0 < "$work/p2-keys.pem")"* ]] || fail "the remaining token is not the new key's"
  printf pw | cryptsetup open --test-passphrase --key-file=- "$work/luks.img" 2>/dev/null || fail "the passphrase slot of the test is gone (wrong slot removed)"
  ok "LUKS2 prune after phase 2: retired key's and PCR 7-only tokens removed ($(grep -c removed "$work/prune.log")), the new key's token kept"
else
  echo "skip LUKS2 header tests: need root and cryptsetup (luksFormat on a file)"
fi
echo "PASS: signed PCR policy, anti-rollback, rotation"
