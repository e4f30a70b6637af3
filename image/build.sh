#!/usr/bin/env bash
# Builds the Balie terminal image from the description in image/: a bookworm rootfs (mmdebstrap, the
# package set resolved against the archive by image/resolve-manifest.sh from image/manifest.lock), the
# Balie binaries and image/rootfs/ laid over it, locked down, then assembled into a squashfs root slot
# with dm-verity, an ext4 data (/var) image and a GPT disk.
# Usage: image/build.sh [--production] [--bin-dir DIR] [--out DIR] [--manifest FILE] [--latest] [--update-manifest]
#                       [--base-only|--rootfs-only|--assemble-only]
#   --production: sign and trust only real keys (BALIE_KEYS=production; image/keys.sh), else TEST keys
#   --manifest FILE: install this resolved set (a manifest.resolved) instead of resolving today's
#   --latest: resolve every package to the archive's current version, not the lock's
#   --update-manifest: write the installed set to image/manifest.lock (refresh the lock; review the diff)
# Needs root. Outputs in --out (default build/image/): disk.img, root.squashfs, kernel, initrd, cmdline,
# balie.efi, manifest.resolved (the package set installed, also /usr/lib/balie/manifest in the image).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out="$repo/build/image"
bin_dir=""
update_manifest=0
manifest_in=""
latest=0
base_only=0
rootfs_only=0
assemble_only=0
mirror="${BALIE_MIRROR:-http://deb.debian.org/debian}"
security="${BALIE_SECURITY_MIRROR:-${mirror%/debian}/debian-security}"
export BALIE_MIRROR="$mirror" BALIE_SECURITY_MIRROR="$security"   # the resolver asks the same archive

while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --update-manifest) update_manifest=1; shift ;;
    --manifest) manifest_in=$(realpath "$2"); shift 2 ;;
    --latest) latest=1; shift ;;
    --base-only) base_only=1; shift ;;
    --rootfs-only) rootfs_only=1; shift ;;
    --assemble-only) assemble_only=1; shift ;;
    --production) BALIE_KEYS=production; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# --- trust keys (image/keys.sh): the key set, checked before any expensive step --------------------
# shellcheck source=image/keys.sh
. "$here/keys.sh"
balie_keys_select || { echo "build.sh: no image built (keys)" >&2; exit 1; }
if [ "$BALIE_KEYS" = test ]; then
  echo "build.sh: WARNING: TEST keys (BALIE_KEYS=test): this image is for development only and says TEST KEYS" >&2
  echo "build.sh: WARNING: on its staff status, health document and self-test. A terminal needs --production." >&2
fi
# --- end trust keys ---------------------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || { echo "build.sh: needs root (mmdebstrap root mode, file ownership)" >&2; exit 1; }
for tool in mmdebstrap mksquashfs veritysetup mkfs.ext4 sfdisk systemctl; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

# Reproducibility: every timestamp comes from the last commit.
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 1700000000)}"
export SOURCE_DATE_EPOCH
mkdir -p "$out"
log() { printf '[build %s] %s\n' "$(date +%T)" "$*"; }

# ---------------------------------------------------------------------------------------------
# Stage 1: the package base (cached; rebuilt only when its inputs change)
# ---------------------------------------------------------------------------------------------
entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | awk '{print $1, $2, $3}' | LC_ALL=C sort; }
base_inputs_hash() {  # the resolved package set (not the lock: a version the archive moved rebuilds the base)
  {
    entries "$resolved"
    find "$here/initramfs" "$here/hooks/base.sh" -type f -print0 | sort -z | xargs -0 sha256sum
    echo "$base_epoch $mirror $security"
  } | sha256sum | cut -d' ' -f1
}
# The base's own epoch is the last commit that changed its inputs, so other commits reuse the cache
# (stage 3 clamps every timestamp to SOURCE_DATE_EPOCH anyway). Not the lock's: its package content is
# the resolved set, so a refreshed lock that resolves to the same set reuses the base.
base_epoch=$(git -C "$repo" log -1 --format=%ct -- image/packages.txt image/initramfs \
  image/hooks/base.sh 2>/dev/null || true)
base_epoch="${base_epoch:-$SOURCE_DATE_EPOCH}"

base="$out/base"
root="$out/rootfs"
resolved="$out/manifest.resolved"
if [ "$assemble_only" -eq 0 ]; then
  # The package set: image/manifest.lock's versions where the archive still has them, else the archive's
  # current ones (one "moved:" line each), resolved afresh on every build; or the given resolved set.
  if [ -n "$manifest_in" ]; then
    [ -f "$manifest_in" ] || { echo "build.sh: no resolved manifest $manifest_in" >&2; exit 1; }
    [ "$manifest_in" = "$resolved" ] || cp "$manifest_in" "$resolved"
    log "package set from $manifest_in ($(entries "$resolved" | wc -l) packages)"
  else
    resolve_args=(--out "$out")
    [ "$latest" -eq 1 ] && resolve_args+=(--latest)
    "$here/resolve-manifest.sh" "${resolve_args[@]}"
  fi
  want=$(base_inputs_hash)
fi
if [ "$assemble_only" -eq 1 ]; then
  [ -x "$root/usr/lib/balie/kiosk-session" ] || { echo "build.sh: no rootfs in $root to assemble" >&2; exit 1; }
  log "assembling the existing rootfs $root"
elif [ -f "$out/base.stamp" ] && [ "$(cat "$out/base.stamp")" = "$want" ] && [ -d "$base" ]; then
  log "base rootfs up to date ($want)"
else
  log "building base rootfs with mmdebstrap"
  rm -rf "$base" "$out/base.stamp"
  # Every package of the resolved set at its exact version, and pinned to it (priority 1001) while
  # mmdebstrap works: its first phase installs the essential packages at apt's candidate version, which
  # is not the resolved one where the lock keeps a version the archive has since updated in
  # bookworm-security (the explicit pkg=version would then be a refused downgrade).
  mapfile -t include < <(entries "$resolved" | awk '{print $1"="$2}')
  entries "$resolved" | awk '{printf "Package: %s\nPin: version %s\nPin-Priority: 1001\n\n", $1, $2}' \
    > "$out/base.pins"
  pins=/etc/apt/preferences.d/99balie-resolved
  SOURCE_DATE_EPOCH="$base_epoch" mmdebstrap --variant=minbase --mode=root --format=directory \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/nl/*' \
    --include="$(IFS=,; echo "${include[*]}")" \
    --setup-hook="install -D -m 0644 \"$out/base.pins\" \"\$1$pins\"" \
    --setup-hook="\"$here/hooks/base.sh\" setup \"\$1\" \"$here\"" \
    --customize-hook="\"$here/hooks/base.sh\" customize \"\$1\" \"$here\"" --customize-hook="rm \"\$1$pins\"" \
    bookworm "$base" "$mirror" "$security bookworm-security main"
fi

# The manifest of what is actually installed (package, version, architecture). It must be the
# resolved set exactly: a package pulled in or left out behind our back is an error.
manifest="$out/manifest.txt"
if [ "$assemble_only" -eq 0 ]; then
{
  echo "# Pinned package manifest of the Balie terminal image (bookworm). Generated by image/build.sh."
  echo "# Fields: package version architecture. Regenerate: image/build.sh --update-manifest"
  # shellcheck disable=SC2016 # dpkg-query format, not a shell expansion
  chroot "$base" dpkg-query -W -f='${Package} ${Version} ${Architecture}\n' | LC_ALL=C sort
} > "$manifest"
if ! diff <(entries "$resolved") <(entries "$manifest") > "$out/manifest.diff"; then
  echo "build.sh: the base's packages differ from the resolved set $resolved (< resolved, > installed):" >&2
  cat "$out/manifest.diff" >&2
  exit 1
fi
[ -f "$out/base.stamp" ] || echo "$want" > "$out/base.stamp"
if [ "$update_manifest" -eq 1 ]; then
  cp "$manifest" "$here/manifest.lock"
  log "wrote image/manifest.lock ($(grep -vc '^#' "$manifest") packages)"
fi
[ "$base_only" -eq 1 ] && exit 0
fi

# ---------------------------------------------------------------------------------------------
# Stage 2: Balie's binaries, configuration and units over a copy of the base, then lockdown
# ---------------------------------------------------------------------------------------------
if [ "$assemble_only" -eq 0 ]; then
log "stage 2: rootfs"
rm -rf "$root"
cp -a "$base" "$root"
cp -a "$here/rootfs/." "$root/"
install -d "$root/usr/lib/systemd/system"
install -m 0644 "$resolved" "$root/usr/lib/balie/manifest"   # the package set of this image
install -m 0644 "$here"/units/*.service "$here"/units/*.timer "$here"/units/*.path "$root/usr/lib/systemd/system/"
if [ -n "$bin_dir" ]; then
  for b in kiosk/balie-kiosk sync/balie-syncd store/balie-admin enrol/balie-enrol; do
    src="$bin_dir/$b"
    [ -x "$src" ] || src="$bin_dir/$(basename "$b")"
    [ -x "$src" ] || src=$(find "$bin_dir" -maxdepth 3 -type f -name "$(basename "$b")" -perm -u+x 2>/dev/null | sort | head -1)
    if [ -x "$src" ]; then
      install -m 0755 "$src" "$root/usr/bin/$(basename "$b")"
      strip --strip-debug "$root/usr/bin/$(basename "$b")" 2>/dev/null || true
    else
      log "warning: $(basename "$b") not found in $bin_dir"
    fi
  done
  # The kiosk's generated assets (catalogs, audio) next to the build, if the build made them.
  if [ -d "$bin_dir/generated" ]; then
    install -d "$root/usr/share/balie"
    cp -a "$bin_dir/generated/." "$root/usr/share/balie/"
  fi
  [ -d "$repo/assets" ] && install -d "$root/usr/share/balie/assets" && cp -a "$repo/assets/." "$root/usr/share/balie/assets/"
fi
[ -x "$root/usr/bin/balie-kiosk" ] || log "warning: image has no balie-kiosk (pass --bin-dir BUILD_DIR)"
# --- trust keys: provisioning key(s) from the selected set (image/keys.sh) ----------------------------
# The provisioning public key(s) enrolment bundles must be signed with: COA's (BALIE_PROVISIONING_PUBKEY,
# a file with 64 hex) or, in a development build, the repository's TEST key, whose private half is public.
install -d "$root/usr/share/balie/provisioning-keys"
grep -Eqx '[0-9a-fA-F]{64}' "$BALIE_PROVISIONING_PUBKEY" \
  || { echo "build.sh: BALIE_PROVISIONING_PUBKEY ($BALIE_PROVISIONING_PUBKEY) is not one line of 64 hex" >&2; exit 1; }
install -m 0644 "$BALIE_PROVISIONING_PUBKEY" "$root/usr/share/balie/provisioning-keys/$(basename "${BALIE_PROVISIONING_PUBKEY%.pub}").pub"
if balie_keys_is_test "$BALIE_PROVISIONING_PUBKEY"; then
  log "WARNING: this image trusts the TEST provisioning key (image/keys/provisioning-test.pub, its private"
  log "WARNING: key is in the repository): anyone can enrol it. Set BALIE_PROVISIONING_PUBKEY for a real terminal."
fi
# --- end trust keys ---------------------------------------------------------------------------------
# COA's endpoint for online enrolment (BALIE_COA_ENDPOINT: a JSON file {"endpoint", "ca_pem", "pins"}):
# the kiosk's enrolment screen then takes a one-time code (balie-enrol-online). Without it a terminal
# is enrolled only from its provisioning partition.
if [ -n "${BALIE_COA_ENDPOINT:-}" ]; then
  jq -e '(.endpoint|startswith("https://")) and (.ca_pem|type=="string") and (.pins|length>=1)' \
    "$BALIE_COA_ENDPOINT" >/dev/null || { echo "build.sh: BALIE_COA_ENDPOINT ($BALIE_COA_ENDPOINT) is not {endpoint, ca_pem, pins}" >&2; exit 1; }
  install -m 0644 "$BALIE_COA_ENDPOINT" "$root/usr/share/balie/coa.json"
fi

# Every library the binaries need must be in the image.
missing=$(for b in "$root"/usr/bin/balie-*; do [ -e "$b" ] && chroot "$root" ldd "/usr/bin/$(basename "$b")"; done | grep 'not found' | sort -u || true)
if [ -n "$missing" ]; then
  echo "build.sh: the image lacks libraries of the Balie binaries (add their packages to image/packages.txt):" >&2
  echo "$missing" >&2
  exit 1
fi
"$here/hooks/lockdown.sh" "$root"
# The update installer accepts only UKIs signed by this certificate (the Secure Boot db key's).
install -m 0644 "${BALIE_SB_CERT:-/usr/share/ovmf/PkKek-1-snakeoil.pem}" "$root/usr/lib/balie/update-signer.pem"
# --- trust-tpm (issue 20): the security epoch of this image (anti-rollback: its UKIs carry it in .osrel,
# tpm-policy compares it with the TPM's minimum before anything unseals) and the fingerprints of the
# PCR-policy keys its UKIs are signed with (systemd's "pkfp": SHA-256 of the PKCS#1 public key DER).
epoch="${BALIE_SECURITY_EPOCH:-$(cat "$here/security-epoch")}"
{ [[ "$epoch" =~ ^[0-9]+$ ]] && [ "$epoch" -le 63 ]; } || { echo "build.sh: security epoch '$epoch' is not 0..63" >&2; exit 1; }
echo "$epoch" > "$root/usr/lib/balie/security-epoch"
pcr_fps=""
for k in ${BALIE_PCR_KEYS:-${BALIE_PCR_KEY:-$here/keys/pcr-policy-test.key}}; do
  fp=$(openssl pkey -in "$k" -pubout -outform DER | openssl rsa -pubin -inform DER -RSAPublicKey_out -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1) ||
    { echo "build.sh: PCR-policy key $k unreadable" >&2; exit 1; }
  pcr_fps="${pcr_fps:+$pcr_fps,}$fp"
done
[ -n "${BALIE_PCR_KEYS:-${BALIE_PCR_KEY:-}}" ] ||
  log "WARNING: the UKIs' PCR policy is signed with the TEST key image/keys/pcr-policy-test.key (public in the repository)"
echo "pcr_policy_pubkey_sha256=$pcr_fps" >> "$root/usr/lib/balie/trust"
# --- end trust-tpm
install -d -m 0700 "$root/efi"   # the ESP's mount point (boot counting, updates)
# --- trust keys: update signer and the trust file (image/keys.sh) --------------------------------------
# The update signer of the selected set (the db certificate or its issuer; replaces the copy above).
install -m 0644 "$BALIE_UPDATE_SIGNER_CERT" "$root/usr/lib/balie/update-signer.pem"
if balie_keys_is_test "$BALIE_UPDATE_SIGNER_CERT"; then
  log "WARNING: the update signer is OVMF's snakeoil TEST certificate: anyone can sign updates for this image."
fi
# /usr/lib/balie/trust: keys=test|production and the fingerprints (image/README.md, "Production keys and
# TEST KEYS"); a pcr_policy_pubkey_sha256 line already written (trust-tpm's block above) is kept.
balie_keys_write_trust "$root/usr/lib/balie/trust" "$root/usr/share/balie/provisioning-keys"
chmod 0644 "$root/usr/lib/balie/trust"
# --- end trust keys ---------------------------------------------------------------------------------
# The factory /var: balie-data-setup fills the freshly encrypted data partition with it on first boot.
rm -rf "$root/usr/share/factory/var"
install -d "$root/usr/share/factory"
cp -a "$root/var" "$root/usr/share/factory/var"
rm -rf "$root"/usr/share/factory/var/cache/apt/* "$root"/usr/share/factory/var/lib/apt/lists/*   # no apt on a terminal
echo "${BALIE_BUILD_COMMIT:-$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)}" > "$root/usr/lib/balie/commit"
# The image version (boot entry version, update ordering): the commit time unless set.
echo "${BALIE_IMAGE_VERSION:-$SOURCE_DATE_EPOCH}" > "$root/usr/lib/balie/version"
if [ "$rootfs_only" -eq 1 ]; then log "rootfs ready: $root"; exit 0; fi
fi  # stage 2

# ---------------------------------------------------------------------------------------------
# Stage 3: assemble root slot (squashfs + dm-verity), data image, GPT disk
# ---------------------------------------------------------------------------------------------
log "stage 3: assemble"
# --- trust keys: the rootfs says the key set it is signed with (an older or test rootfs is not reassembled
# with other keys: its trust file, provisioning keys and update signer are those of its own build)
trust_keys=$(sed -n 's/^keys=//p' "$root/usr/lib/balie/trust" 2>/dev/null | head -1)
[ "$trust_keys" = "$BALIE_KEYS" ] || { echo "build.sh: the rootfs $root was built with keys=${trust_keys:-none}, not" \
  "$BALIE_KEYS: rebuild it (without --assemble-only)" >&2; exit 1; }
# --- end trust keys ---------------------------------------------------------------------------------
kver=$(basename "$(find "$root/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d | sort | tail -1)")
cp "$root/boot/vmlinuz-$kver" "$out/kernel"
cp "$root/boot/initrd.img-$kver" "$out/initrd"

# The root slot keeps /var only as an empty mount point (its content is in /usr/share/factory/var).
find "$root" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"

rm -f "$out/root.squashfs"
mksquashfs "$root" "$out/root.squashfs" -comp zstd -Xcompression-level 6 -noappend -no-progress \
  -wildcards -e 'var/*' \
  -mkfs-time "$SOURCE_DATE_EPOCH" -all-time "$SOURCE_DATE_EPOCH" -processors 2 -quiet
# dm-verity: salt and UUID derived from the image itself, so the hash tree is reproducible too.
sqhash=$(sha256sum "$out/root.squashfs" | cut -d' ' -f1)
uuid="${sqhash:0:8}-${sqhash:8:4}-4${sqhash:13:3}-8${sqhash:17:3}-${sqhash:20:12}"
rm -f "$out/root.verity"
veritysetup format "$out/root.squashfs" "$out/root.verity" --salt="$sqhash" --uuid="$uuid" \
  | awk -F: '/Root hash/ {gsub(/[ \t]/, "", $2); print $2}' > "$out/roothash"
roothash=$(cat "$out/roothash")

# The data partition ships unformatted: only a marker block. The terminal encrypts it on its first
# boot (LUKS2, TPM2-sealed key; balie-data-setup) and fills it from /usr/share/factory/var, so no
# byte of /var is ever stored in the clear and every terminal has its own volume key.
rm -f "$out/data.ext4" "$out/data.marker"
{ printf 'BALIE-DATA-UNFORMATTED\n'; head -c 4073 /dev/zero; } > "$out/data.marker"

# GPT: ESP (systemd-boot + the signed UKIs), two root slots each with a verity partition, data.
# The offsets are written to layout.env for the tests (tier C tampers with exact places).
mib=$((1024 * 1024))
# data: the store, the journal and, during an update, the downloaded bundle (about 400 MB) beside them.
esp_mib=256 slot_mib=640 verity_mib=64 data_mib=1024 prov_mib=4
esp_at=1
root_a_at=$((esp_at + esp_mib)); root_a_verity_at=$((root_a_at + slot_mib))
root_b_at=$((root_a_verity_at + verity_mib)); root_b_verity_at=$((root_b_at + slot_mib))
data_at=$((root_b_verity_at + verity_mib))
# balie-provisioning: an imaging station writes an enrolment bundle here (image/write-bundle.sh);
# zeros as built (= no bundle). balie-enrol-apply.service reads it at every boot.
prov_at=$((data_at + data_mib))
{
  echo "# Disk layout of disk.img in MiB (written by image/build.sh)"
  echo "esp_at=$esp_at esp_mib=$esp_mib slot_mib=$slot_mib verity_mib=$verity_mib data_mib=$data_mib prov_mib=$prov_mib"
  echo "root_a_at=$root_a_at root_a_verity_at=$root_a_verity_at root_b_at=$root_b_at root_b_verity_at=$root_b_verity_at"
  echo "data_at=$data_at prov_at=$prov_at"
} > "$out/layout.env"
disk="$out/disk.img"
rm -f "$disk"
truncate -s $(( (prov_at + prov_mib + 1) * mib )) "$disk"
sfdisk --quiet --no-reread "$disk" <<EOF
label: gpt
label-id: 4A7B1D2E-0B41-4C1E-9A11-BA11E0000001
first-lba: 2048
start=${esp_at}MiB, size=${esp_mib}MiB, type=uefi, name=esp, uuid=4A7B1D2E-0B41-4C1E-9A11-BA11E0000010
start=${root_a_at}MiB, size=${slot_mib}MiB, type=linux, name=root-a, uuid=4A7B1D2E-0B41-4C1E-9A11-BA11E0000011
start=${root_a_verity_at}MiB, size=${verity_mib}MiB, type=linux, name=root-a-verity, uuid=4A7B1D2E-0B41-4C1E-9A11-BA11E0000012
start=${root_b_at}MiB, size=${slot_mib}MiB, type=linux, name=root-b, uuid=4A7B1D2E-0B41-4C1E-9A11-BA11E0000013
start=${root_b_verity_at}MiB, size=${verity_mib}MiB, type=linux, name=root-b-verity, uuid=4A7B1D2E-0B41-4C1E-9A11-BA11E0000014
start=${data_at}MiB, size=${data_mib}MiB, type=linux, name=balie-data, uuid=4A7B1D2E-0B41-4C1E-9A11-BA11E0000015
start=${prov_at}MiB, size=${prov_mib}MiB, type=linux, name=balie-provisioning, uuid=4A7B1D2E-0B41-4C1E-9A11-BA11E0000016
EOF
put() { dd if="$1" of="$disk" bs=1M seek="$2" conv=notrunc,sparse status=none; }
sq_size=$(stat -c %s "$out/root.squashfs")
[ "$sq_size" -le $((slot_mib * mib)) ] || { echo "build.sh: root.squashfs ($sq_size bytes) exceeds the $slot_mib MiB slot" >&2; exit 1; }
put "$out/root.squashfs" "$root_a_at"
put "$out/root.verity" "$root_a_verity_at"
put "$out/data.marker" "$data_at"
rm -f "$out/esp.vfat"
mkfs.vfat -C -n BALIE-ESP -i 4a7b1d2e --invariant "$out/esp.vfat" $((esp_mib * 1024)) >/dev/null
put "$out/esp.vfat" "$esp_at"

# The command line of slot A (the UKI of slot B names root-b, see uki.sh). The image version (the
# boot entry's version; systemd-boot boots the newest entry not marked bad) is the commit time.
version="${BALIE_IMAGE_VERSION:-$SOURCE_DATE_EPOCH}"
echo "$version" > "$out/version"
cmdline="root=/dev/mapper/root rootfstype=squashfs ro balie.verity=/dev/disk/by-partlabel/root-a,/dev/disk/by-partlabel/root-a-verity,$roothash panic=5 quiet loglevel=3 systemd.show_status=false vt.global_cursor_default=0"
echo "$cmdline" > "$out/cmdline"
# ESP: signed systemd-boot as the default boot path + loader.conf, and the signed UKI of slot A as a
# type #2 boot entry (the factory entry has no boot counter: it is the known-good one).
# (SHA256SUMS lists the unsigned UKI: the signature carries its signing time, so only the UKI
# before signing is bit-identical between two builds.)
"$here/uki.sh" build "$out" "$out/balie.unsigned.efi" --slot a --unsigned
"$here/uki.sh" sign "$out/balie.unsigned.efi" "$out/balie.efi"
"$here/uki.sh" install-loader "$disk" "$out"
"$here/uki.sh" install-entry "$disk" "$out/balie.efi" "balie-$version.efi"
log "done: $disk (root hash $roothash)"
sha256sum "$out/root.squashfs" "$out/root.verity" "$out/kernel" "$out/initrd" "$out/balie.unsigned.efi" | sed "s|$out/||" > "$out/SHA256SUMS"
cat "$out/SHA256SUMS"
