#!/usr/bin/env bash
# Boot files of the ESP: the unified kernel image (UKI: systemd-stub + kernel + initrd + the slot's kernel
# command line with its verity root hash, one signed PE file, so the firmware verifies all of it) and the
# signed systemd-boot loader that picks the newest UKI not marked bad (boot counting, see image/README.md).
# Keys: BALIE_SB_KEY/BALIE_SB_CERT, else OVMF's snakeoil TEST keys (never ship those).
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
    printf 'ID=balie\nNAME="Balie terminal"\nPRETTY_NAME="Balie %s (slot %s, %s)"\nVERSION_ID=%s\nIMAGE_VERSION=%s\n' \
      "$version" "$slot" "$commit" "$version" "$version" > "$tmp/os-release"
    objcopy \
      --add-section .osrel="$tmp/os-release" --change-section-vma .osrel=0x20000 \
      --add-section .cmdline="$tmp/cmdline" --change-section-vma .cmdline=0x30000 \
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
