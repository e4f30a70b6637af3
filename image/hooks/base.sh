#!/usr/bin/env bash
# mmdebstrap hooks of stage 1 (the package base), called by image/build.sh:
#   base.sh setup ROOT IMAGE_DIR      before packages: initramfs-tools hooks for dm-verity + squashfs root
#   base.sh customize ROOT IMAGE_DIR  after packages: checks that the initrd can open a verity root
set -euo pipefail
phase="$1"; root="$2"; image="$3"
case "$phase" in
  setup)
    install -d "$root/etc/initramfs-tools/hooks" "$root/etc/initramfs-tools/scripts/local-top"
    install -m 0755 "$image/initramfs/hooks/balie-verity" "$root/etc/initramfs-tools/hooks/"
    install -m 0755 "$image/initramfs/scripts/local-top/balie-verity" "$root/etc/initramfs-tools/scripts/local-top/"
    ;;
  customize)
    initrd=$(find "$root/boot" -name 'initrd.img-*' | sort | tail -1)
    [ -n "$initrd" ] || { echo "base.sh: no initrd was built" >&2; exit 1; }
    listing=$(chroot "$root" lsinitramfs "/boot/$(basename "$initrd")")
    for f in sbin/veritysetup scripts/local-top/balie-verity dm-verity.ko squashfs.ko; do
      grep -q "$f" <<<"$listing" || { echo "base.sh: initrd lacks $f" >&2; exit 1; }
    done
    # Nothing of the build host may leak into the image.
    rm -f "$root/etc/hostname" "$root/etc/resolv.conf"
    ;;
  *) echo "base.sh: unknown phase $phase" >&2; exit 2 ;;
esac
