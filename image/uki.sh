#!/usr/bin/env bash
# Unified kernel image (UKI) for Secure Boot: systemd-stub + kernel + initrd + kernel command line in one
# PE file, signed with sbsign, so the firmware verifies the command line (with the verity root hash) and
# the initrd too. Keys: BALIE_SB_KEY/BALIE_SB_CERT, else OVMF's snakeoil TEST keys (never ship those).
# Usage: uki.sh build OUT_DIR UKI_FILE [EXTRA_CMDLINE] [--unsigned]
#        uki.sh install DISK UKI_FILE      (writes it as \EFI\BOOT\BOOTX64.EFI into the disk's ESP)
set -euo pipefail
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
esp_offset=$((1024 * 1024))   # the ESP starts at 1 MiB (see build.sh)
case "${1:-}" in
  build)
    out="$2"; uki="$3"; extra="${4:-}"; sign=1
    [ "${5:-}" = --unsigned ] && sign=0
    for t in objcopy sbsign; do command -v "$t" >/dev/null || { echo "uki.sh: $t missing" >&2; exit 1; }; done
    [ -f "$stub" ] || { echo "uki.sh: $stub missing (systemd-boot-efi)" >&2; exit 1; }
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    key="${BALIE_SB_KEY:-}"
    cert="${BALIE_SB_CERT:-/usr/share/ovmf/PkKek-1-snakeoil.pem}"
    if [ -z "$key" ]; then
      # OVMF's snakeoil TEST key (passphrase "snakeoil", see the ovmf package's README.Debian)
      openssl pkey -in /usr/share/ovmf/PkKek-1-snakeoil.key -passin pass:snakeoil -out "$tmp/sb.key"
      key="$tmp/sb.key"
    fi
    printf '%s%s\0' "$(cat "$out/cmdline")" "${extra:+ $extra}" > "$tmp/cmdline"
    printf 'ID=balie\nNAME="Balie terminal"\nVERSION_ID=%s\n' "$(cut -c1-12 "$out/rootfs/usr/lib/balie/commit" 2>/dev/null || echo dev)" > "$tmp/os-release"
    objcopy \
      --add-section .osrel="$tmp/os-release" --change-section-vma .osrel=0x20000 \
      --add-section .cmdline="$tmp/cmdline" --change-section-vma .cmdline=0x30000 \
      --add-section .linux="$out/kernel" --change-section-vma .linux=0x2000000 \
      --add-section .initrd="$out/initrd" --change-section-vma .initrd=0x3000000 \
      "$stub" "$tmp/uki.efi"
    if [ "$sign" -eq 1 ]; then
      sbsign --key "$key" --cert "$cert" --output "$uki" "$tmp/uki.efi" 2>/dev/null
    else
      cp "$tmp/uki.efi" "$uki"
    fi
    ;;
  install)
    disk="$2"; uki="$3"
    export MTOOLS_SKIP_CHECK=1
    mmd -D s -i "$disk@@$esp_offset" ::/EFI ::/EFI/BOOT 2>/dev/null || true
    mcopy -o -i "$disk@@$esp_offset" "$uki" ::/EFI/BOOT/BOOTX64.EFI
    ;;
  *) echo "usage: uki.sh build OUT UKI [EXTRA] [--unsigned] | install DISK UKI" >&2; exit 2 ;;
esac
