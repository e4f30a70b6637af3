#!/usr/bin/env bash
# Stage-2 hook of image/build.sh: turns the rootfs in ROOT into a locked-down kiosk. Creates the
# unprivileged kiosk user, enables the Balie units, masks every way to a login or a shell (gettys,
# Ctrl+Alt+Del, debug/emergency shells), locks root, strips set-uid bits and removes forbidden packages.
# Usage: lockdown.sh ROOT
set -euo pipefail
root="$1"
here=$(cd "$(dirname "$0")/.." && pwd)

# The kiosk user: fixed ids (reproducible), no home, no shell; video for the DRM device via seatd.
chroot "$root" groupadd --system --gid 900 balie
chroot "$root" useradd --system --uid 900 --gid balie --groups video --home-dir /nonexistent \
  --no-create-home --shell /usr/sbin/nologin --comment "Balie kiosk" balie
# root is locked (no password login anywhere) and has no shell.
chroot "$root" usermod --lock --shell /usr/sbin/nologin root
days=$((SOURCE_DATE_EPOCH / 86400))
# Password-change dates from the build time would make two builds differ.
sed -i -E "s/^([^:]*:[^:]*:)[0-9]+:/\1$days:/" "$root/etc/shadow"
rm -f "$root"/etc/{passwd,group,shadow,gshadow,subuid,subgid}-

# Forbidden packages must never be present (a pinned manifest could otherwise sneak them in).
for p in openssh-server dropbear dropbear-bin udisks2 telnetd sudo gdm3 lightdm sddm xserver-xorg-core getty-run; do
  # shellcheck disable=SC2016 # dpkg-query format
  if chroot "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    echo "lockdown: forbidden package $p is installed" >&2; exit 1
  fi
done

# Units: Balie on, every login/shell path off.
systemctl --root="$root" set-default multi-user.target
systemctl --root="$root" enable balie-kiosk.service balie-provision.service balie-syncd.timer \
  balie-selftest.service seatd.service balie-health.service balie-update.path balie-data-setup.service \
  balie-enrol-request.service balie-enrol-apply.service balie-enrol-online.path balie-enrol-apply-online.path \
  balie-syncd-request.path balie-identity.service balie-trust.service balie-trust-bless.service \
  balie-epoch-check.service \
  balie-config.path
# Network (DHCP on wired), DNS and time: /etc/resolv.conf is a symlink to resolved's stub (image/rootfs);
# time-sync.target waits for a synchronised clock (bounded: image/rootfs drop-in).
systemctl --root="$root" enable systemd-networkd.service systemd-resolved.service systemd-timesyncd.service \
  systemd-time-wait-sync.service
systemctl --root="$root" mask getty@.service serial-getty@.service autovt@.service console-getty.service \
  container-getty@.service getty.target getty-static.service ctrl-alt-del.target debug-shell.service \
  emergency.service emergency.target rescue.service rescue.target systemd-ask-password-wall.path \
  apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
  systemd-boot-update.service 2>/dev/null
# (systemd-boot-update would copy the package's unsigned loader over the signed one on the ESP.)
# Read-only /etc: the machine id is transient (systemd mounts one over the empty file).
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

# No set-uid/set-gid programs: nobody on the terminal may gain privileges.
find "$root" -xdev -type f \( -perm -4000 -o -perm -2000 \) -exec chmod ug-s {} +

install -d "$root/usr/share/doc/balie"
install -m 0644 "$here/README.md" "$root/usr/share/doc/balie/README.md"
install -d "$root/usr/lib/balie"
