#!/usr/bin/env bash
# Boot files of the ESP: the unified kernel image (UKI: systemd-stub + kernel + initrd + the slot's kernel
# command line with its verity root hash, one signed PE file, so the firmware verifies all of it) and the
# signed systemd-boot loader that picks the newest UKI not marked bad (boot counting, see image/README.md).
# Keys: BALIE_SB_KEY/BALIE_SB_CERT, else OVMF's snakeoil TEST keys (never ship those). The PCR policy:
# BALIE_PCR_KEY (private PEM, RSA; BALIE_PCR_KEYS: several, space separated, for a key rotation's phase 1),
# else the TEST pair image/keys/pcr-policy-test.*: `systemd-measure sign` over the sections the stub
# measures into PCR 11 gives the .pcrsig section; .pcrpkey carries the public key(s) (image/README.md).
# Usage: uki.sh build OUT_DIR UKI_FILE [--slot a|b] [--extra "ARGS"] [--version V] [--unsigned]
#        uki.sh sign IN OUT | install-loader DISK OUT_DIR [--unsigned] | install-entry DISK UKI NAME | clear-entries DISK
set -euo pipefail
esp_offset=$((1024 * 1024))   # the ESP starts at 1 MiB (see build.sh, layout.env)
export MTOOLS_SKIP_CHECK=1
# shellcheck source=image/keys.sh
. "$(dirname "$0")/keys.sh"   # balie_keys_select: the Secure Boot key set (production refuses TEST keys)
efi_file() {  # efi_file OUT_DIR NAME: the pinned copy from the image's rootfs, else the host's
  local f="$1/rootfs/usr/lib/systemd/boot/efi/$2"
  [ -f "$f" ] || f="/usr/lib/systemd/boot/efi/$2"
  [ -f "$f" ] || { echo "uki.sh: $2 missing (systemd-boot-efi)" >&2; exit 1; }
  echo "$f"
}
here=$(cd "$(dirname "$0")" && pwd)
pcr_keys() {  # the PCR-policy private keys this build signs with, one per line
  local k
  if [ -n "${BALIE_PCR_KEYS:-}" ]; then for k in $BALIE_PCR_KEYS; do echo "$k"; done
  else echo "${BALIE_PCR_KEY:-$here/keys/pcr-policy-test.key}"; fi
}
pcr_sign() {  # pcr_sign DIR: DIR/{linux,osrel,cmdline,initrd} -> DIR/pcrpkey (public PEMs), DIR/pcrsig (JSON)
  local d="$1" k port pid i
  command -v swtpm >/dev/null || { echo "uki.sh: swtpm missing (systemd-measure sign needs a TPM2)" >&2; exit 1; }
  : > "$d/pcrpkey"
  while read -r k; do
    [ -r "$k" ] || { echo "uki.sh: PCR-policy key $k not readable" >&2; exit 1; }
    openssl pkey -in "$k" -pubout >> "$d/pcrpkey" || { echo "uki.sh: $k is not a private key" >&2; exit 1; }
  done < <(pcr_keys)
  # systemd 252's `systemd-measure sign` computes the policy digests on a TPM2 (the result does not
  # depend on it): a throw-away swtpm on a local port.
  mkdir -p "$d/tpm"
  swtpm_setup --tpm2 --tpmstate "$d/tpm" --overwrite >/dev/null 2>&1 || { echo "uki.sh: swtpm_setup failed" >&2; exit 1; }
  port=$((21000 + ($$ % 2000) * 4))
  swtpm socket --tpm2 --tpmstate dir="$d/tpm" --flags not-need-init,startup-clear \
    --server type=tcp,port="$port",bindaddr=127.0.0.1 --ctrl type=tcp,port="$((port + 1))",bindaddr=127.0.0.1 \
    --pid file="$d/tpm.pid" --daemon || { echo "uki.sh: swtpm did not start" >&2; exit 1; }
  for i in $(seq 1 30); do [ -s "$d/tpm.pid" ] && break; sleep 0.1; done
  pid=$(cat "$d/tpm.pid")
  i=0
  while read -r k; do
    # The phases at which Balie unseals (image/README.md): ":" = before systemd-pcrphase-sysinit (the
    # LUKS2 unlock of /var, its first-boot setup, the epoch check), "sysinit" and "sysinit:ready" (the
    # credentials of the services). The initrd (initramfs-tools) extends nothing.
    /usr/lib/systemd/systemd-measure sign --linux="$d/linux" --osrel="$d/osrel" --cmdline="$d/cmdline" \
      --initrd="$d/initrd" --pcrpkey="$d/pcrpkey" --bank=sha256 --private-key="$k" \
      --tpm2-device="swtpm:host=127.0.0.1,port=$port" --phase=: --phase=sysinit --phase=sysinit:ready \
      > "$d/pcrsig.$i" || { kill "$pid"; echo "uki.sh: systemd-measure sign failed" >&2; exit 1; }
    i=$((i + 1))
  done < <(pcr_keys)
  kill "$pid" 2>/dev/null || true
  # One JSON: the entries of every key in one array per bank (systemd picks the entry whose key
  # fingerprint and policy digest match).
  /usr/bin/python3 -c 'import json,sys
out={}
for f in sys.argv[1:]:
    for bank,entries in json.load(open(f)).items(): out.setdefault(bank,[]).extend(entries)
sys.stdout.write(json.dumps(out,separators=(",",":")))' "$d"/pcrsig.* > "$d/pcrsig"
}
sign() {  # sign IN OUT: Secure Boot signature with the db key
  # The key set image/keys.sh selects: a development build (BALIE_KEYS=test) falls back to OVMF's
  # snakeoil TEST keys; BALIE_KEYS=production refuses missing or TEST keys before signing anything.
  local key tmpkey=""
  command -v sbsign >/dev/null || { echo "uki.sh: sbsign missing (sbsigntool)" >&2; exit 1; }
  balie_keys_select || { echo "uki.sh: not signing $1 (keys)" >&2; exit 1; }
  key="$BALIE_SB_KEY"
  if [ -n "${BALIE_SB_KEY_PASS:-}" ]; then  # OVMF's snakeoil TEST key is encrypted (passphrase "snakeoil")
    tmpkey=$(mktemp); key="$tmpkey"
    openssl pkey -in "$BALIE_SB_KEY" -passin "pass:$BALIE_SB_KEY_PASS" -out "$key"
  fi
  sbsign --key "$key" --cert "$BALIE_SB_CERT" --output "$2" "$1" 2>/dev/null
  [ -z "$tmpkey" ] || rm -f "$tmpkey"
}
case "${1:-}" in
  build)
    out="$2"; uki="$3"; shift 3
    slot=a extra="" sign=1 version=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --slot) slot="$2"; shift 2 ;;
        --extra) extra="$2"; shift 2 ;;
        --version) version="$2"; shift 2 ;;
        --unsigned) sign=0; shift ;;
        *) extra="$1"; shift ;;   # the former positional EXTRA_CMDLINE
      esac
    done
    case "$slot" in a|b) ;; *) echo "uki.sh: --slot must be a or b" >&2; exit 2 ;; esac
    command -v objcopy >/dev/null || { echo "uki.sh: objcopy missing (binutils)" >&2; exit 1; }
    version="${version:-$(cat "$out/version" 2>/dev/null || echo 0)}"
    stub=$(efi_file "$out" linuxx64.efi.stub)
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    # build.sh writes slot A's command line; slot B's differs only in the partition names.
    sed "s|by-partlabel/root-a|by-partlabel/root-$slot|g" "$out/cmdline" | tr -d '\n' > "$tmp/cmdline.txt"
    printf '%s%s\0' "$(cat "$tmp/cmdline.txt")" "${extra:+ $extra}" > "$tmp/cmdline"
    commit=$(cut -c1-12 "$out/rootfs/usr/lib/balie/commit" 2>/dev/null || echo dev)
    # The security epoch (anti-rollback, image/README.md): the rootfs's copy (covered by verity), else the repo's.
    epoch=$(cat "$out/rootfs/usr/lib/balie/security-epoch" 2>/dev/null || cat "$here/security-epoch")
    [[ "$epoch" =~ ^[0-9]+$ ]] || { echo "uki.sh: bad security epoch '$epoch'" >&2; exit 1; }
    printf 'ID=balie\nNAME="Balie terminal"\nPRETTY_NAME="Balie %s (slot %s, %s)"\nVERSION_ID=%s\nIMAGE_VERSION=%s\nBALIE_SECURITY_EPOCH=%s\n' \
      "$version" "$slot" "$commit" "$version" "$version" "$epoch" > "$tmp/os-release"
    # A bundle that announces a Secure Boot db-key rotation (image/README.md, "Rotation"): its installer
    # adds seals bound to the signed PCR 11 policy only, which carry the terminal across the PCR 7 change.
    case "${BALIE_DB_ROTATION:-}" in
      announce) echo "BALIE_DB_ROTATION=announce" >> "$tmp/os-release" ;;
      "") ;;
      *) echo "uki.sh: BALIE_DB_ROTATION must be 'announce' or unset" >&2; exit 2 ;;
    esac
    # The signed PCR 11 policy over exactly the bytes the stub will measure.
    ln -s "$(realpath "$out/kernel")" "$tmp/linux"; ln -s "$(realpath "$out/initrd")" "$tmp/initrd"; ln -s "$tmp/os-release" "$tmp/osrel"
    pcr_sign "$tmp"
    objcopy \
      --add-section .osrel="$tmp/os-release" --change-section-vma .osrel=0x20000 \
      --add-section .cmdline="$tmp/cmdline" --change-section-vma .cmdline=0x30000 \
      --add-section .pcrsig="$tmp/pcrsig" --change-section-vma .pcrsig=0x80000 \
      --add-section .pcrpkey="$tmp/pcrpkey" --change-section-vma .pcrpkey=0x90000 \
      --add-section .linux="$out/kernel" --change-section-vma .linux=0x2000000 \
      --add-section .initrd="$out/initrd" --change-section-vma .initrd=0x3000000 \
      "$stub" "$tmp/uki.efi"
    # objcopy stamps the PE header with the current time: the build's time instead, and a zero
    # checksum (unused by UEFI for applications), so two builds give the same UKI before signing.
    pe=$(od -An -tu4 -j60 -N4 "$tmp/uki.efi" | tr -d ' ')
    t="${SOURCE_DATE_EPOCH:-0}"
    # shellcheck disable=SC2059 # the format is the four bytes, built from numbers only
    printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((t & 255)) $(((t >> 8) & 255)) $(((t >> 16) & 255)) $(((t >> 24) & 255)))" |
      dd of="$tmp/uki.efi" bs=1 seek=$((pe + 8)) conv=notrunc status=none
    printf '\0\0\0\0' | dd of="$tmp/uki.efi" bs=1 seek=$((pe + 88)) conv=notrunc status=none
    if [ "$sign" -eq 1 ]; then sign "$tmp/uki.efi" "$uki"; else cp "$tmp/uki.efi" "$uki"; fi
    ;;
  sign)  # sign IN OUT: the Secure Boot signature on a built (unsigned) UKI or loader
    sign "$2" "$3"
    ;;
  install-loader)
    # \EFI\BOOT\BOOTX64.EFI = signed systemd-boot; no menu, no editor (Secure Boot forbids editing a
    # UKI's command line anyway), no auto entries: only our UKIs in \EFI\Linux boot.
    disk="$2"; out="$3"; sign=1; [ "${4:-}" = --unsigned ] && sign=0
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    if [ "$sign" -eq 1 ]; then sign "$(efi_file "$out" systemd-bootx64.efi)" "$tmp/loader.efi"
    else cp "$(efi_file "$out" systemd-bootx64.efi)" "$tmp/loader.efi"; fi
    printf 'timeout 0\neditor no\nauto-entries no\nauto-firmware no\nconsole-mode keep\nrandom-seed-mode off\n' > "$tmp/loader.conf"
    mmd -D s -i "$disk@@$esp_offset" ::/EFI ::/EFI/BOOT ::/EFI/Linux ::/loader 2>/dev/null || true
    mcopy -o -i "$disk@@$esp_offset" "$tmp/loader.efi" ::/EFI/BOOT/BOOTX64.EFI
    mcopy -o -i "$disk@@$esp_offset" "$tmp/loader.conf" ::/loader/loader.conf
    ;;
  install-entry)
    disk="$2"; uki="$3"; name="$4"
    mmd -D s -i "$disk@@$esp_offset" ::/EFI ::/EFI/Linux 2>/dev/null || true
    mcopy -o -i "$disk@@$esp_offset" "$uki" "::/EFI/Linux/$name"
    ;;
  clear-entries)
    disk="$2"
    mdel -i "$disk@@$esp_offset" '::/EFI/Linux/*.efi' 2>/dev/null || true
    ;;
  *) echo "usage: uki.sh build OUT UKI [--slot a|b] [--extra ARGS] [--version V] [--unsigned] | sign IN OUT" \
          "| install-loader DISK OUT [--unsigned] | install-entry DISK UKI NAME | clear-entries DISK" >&2; exit 2 ;;
esac
