#!/usr/bin/env bash
# Tier A: the lockdown lint must catch what it claims to catch. Copies the configuration of the
# built rootfs into a scratch tree, checks that the lint passes there, then breaks one thing at a time
# (Ctrl+Alt+Del unmasked, SysRq on, root unlocked, rw root, ssh server, plaintext key, sync unit without
# its bundle configuration, resolv.conf not resolved's, no provisioning key, the unlock of /var without the
# anti-rollback check) and expects a FAIL.
# Usage: lint-negative.sh ROOTFS
set -euo pipefail
# shellcheck source=/dev/null # common.sh next to this script
. "$(dirname "$0")/common.sh"
src="${1:?rootfs}"
lint="$(repo_dir)/image/lint-rootfs.sh"
[ -d "$src/etc" ] || fail "no rootfs at $src"
work=$(mktemp -d /tmp/balie-lint.XXXXXX)
trap 'rm -rf "$work"' EXIT
fresh() {
  rm -rf "$work/r"; mkdir -p "$work/r/var/lib/dpkg" "$work/r/usr/lib/systemd" "$work/r/usr/lib/balie"
  cp -a "$src/etc" "$work/r/"
  cp -a "$src/usr/lib/systemd/system" "$work/r/usr/lib/systemd/"
    mkdir -p "$work/r/usr/share/balie"; cp -a "$src/usr/share/balie/provisioning-keys" "$work/r/usr/share/balie/"
  cp -a "$src/usr/lib/balie/security-epoch" "$work/r/usr/lib/balie/"
  status="$src/var/lib/dpkg/status"; [ -f "$status" ] || status="$(dirname "$src")/data-tree/lib/dpkg/status"
  cp "$status" "$work/r/var/lib/dpkg/status"
}
fresh
"$lint" "$work/r" >/dev/null || { "$lint" "$work/r" | grep FAIL; fail "lint fails on an unmodified copy"; }
echo "ok   lint passes on the unmodified copy"
expect_fail() {  # expect_fail CHECK_NAME: the lint must fail, naming that check
  local out
  if out=$("$lint" "$work/r"); then fail "lint passed although: $1"; fi
  grep -q "^FAIL $1" <<<"$out" || { echo "$out" | grep FAIL; fail "lint failed, but not on '$1'"; }
  echo "ok   caught: $1"
  fresh
}
rm "$work/r/etc/systemd/system/ctrl-alt-del.target"; expect_fail "masked ctrl-alt-del.target"
rm "$work/r/etc/systemd/system/systemd-cryptsetup@balie\x2ddata.service.requires/balie-epoch-check.service"
expect_fail "anti-rollback: balie-epoch-check is required by the unlock of /var"
rm "$work/r/etc/systemd/system/serial-getty@.service"; expect_fail "masked serial-getty@.service"
sed -i 's/^kernel.sysrq = 0/kernel.sysrq = 1/' "$work/r/etc/sysctl.d/90-balie-lockdown.conf"; expect_fail "sysctl kernel.sysrq = 0"
sed -i 's/^install usb_storage/#install usb_storage/' "$work/r/etc/modprobe.d/balie-lockdown.conf"; expect_fail "usb_storage not loadable"
sed -i -E 's/^root:[^:]*:/root:x6saltedhash:/' "$work/r/etc/shadow"; expect_fail "root account locked"
sed -i -E 's|^(/dev/mapper/root[[:space:]]+/[[:space:]]+squashfs[[:space:]]+)ro|\1rw|' "$work/r/etc/fstab"; expect_fail "fstab: root read-only"
printf 'Package: openssh-server\nStatus: install ok installed\nVersion: 1\n\n' >> "$work/r/var/lib/dpkg/status"; expect_fail "package openssh-server absent"
head -c 32 /dev/urandom > "$work/r/etc/balie-db-key"; expect_fail "no plaintext key files"
install -d "$work/r/etc/ssh"; printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n' > "$work/r/etc/ssh/ssh_host_ed25519_key"; expect_fail "no plaintext key files"
touch "$work/r/usr/lib/balie/tool"; chmod 4755 "$work/r/usr/lib/balie/tool"; expect_fail "no set-uid/set-gid files"
sed -i 's/^PrivateNetwork=yes/PrivateNetwork=no/' "$work/r/usr/lib/systemd/system/balie-kiosk.service"; expect_fail "kiosk unit has no network"
sed -i 's|--config /var/lib/balie-config/syncd.json||' "$work/r/usr/lib/systemd/system/balie-syncd.service"; expect_fail "sync unit: configuration from the applied bundle"
rm "$work/r/etc/resolv.conf"; : > "$work/r/etc/resolv.conf"; expect_fail "resolv.conf points to the resolved stub"
rm "$work/r/usr/share/balie/provisioning-keys/"*.pub; expect_fail "a provisioning public key is installed"
echo "PASS: the lint catches every injected defect"
