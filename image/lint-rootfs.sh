#!/usr/bin/env bash
# Lockdown lint of a built Balie rootfs (tier A): masked login/shell units, sysctl and modprobe
# lockdown, locked root, no forbidden packages, read-only root in fstab, no plaintext keys, no
# set-uid files, the kiosk user and units in place. Prints one line per check; exit 1 on any failure.
# Usage: image/lint-rootfs.sh ROOTFS [VAR_TREE]   (VAR_TREE: the data image's tree if /var was split off)
set -uo pipefail
root="${1:?usage: lint-rootfs.sh ROOTFS [VAR_TREE]}"
var="${2:-$root/var}"
failures=0
check() {  # check NAME COMMAND...: runs the command, prints ok/FAIL
  local name="$1"; shift
  if "$@" >/dev/null 2>&1; then echo "ok   $name"; else echo "FAIL $name"; failures=$((failures + 1)); fi
}
masked() { [ "$(readlink "$root/etc/systemd/system/$1")" = /dev/null ]; }
enabled() { [ -L "$root/etc/systemd/system/$1/$2" ]; }
# shellcheck disable=SC2086 # $1 is a glob on purpose
conf_has() { grep -Eqs "$2" "$root"/$1; }
installed() { awk -v p="$1" '/^Package: /{pkg=$2} /^Status: /{ if (pkg==p && $0 ~ /install ok installed/) f=1 } END{exit !f}' "$var/lib/dpkg/status"; }
not_installed() { [ -f "$var/lib/dpkg/status" ] && ! installed "$1"; }
root_locked() { awk -F: '$1=="root" && $2 ~ /^!/ {f=1} END{exit !f}' "$root/etc/shadow"; }
root_nologin() { awk -F: '$1=="root" && $7 ~ /nologin|false/ {f=1} END{exit !f}' "$root/etc/passwd"; }
kiosk_user() { awk -F: '$1=="balie" && $3 > 0 && $3 < 1000 && $7 ~ /nologin/ {f=1} END{exit !f}' "$root/etc/passwd"; }
fstab_ro_root() { awk '$1 !~ /^#/ && $2=="/" {split($4,o,","); for (i in o) if (o[i]=="ro") f=1} END{exit !f}' "$root/etc/fstab"; }
fstab_var() { awk '$1 !~ /^#/ && $2=="/var" {f=1} END{exit !f}' "$root/etc/fstab"; }
fstab_var_encrypted() { awk '$1 !~ /^#/ && $2=="/var" && $1=="/dev/mapper/balie-data" {f=1} END{exit !f}' "$root/etc/fstab"; }
crypttab_tpm2() { awk '$1=="balie-data" && $4 ~ /(^|,)tpm2-device=/ && $4 ~ /(^|,)headless=true/ {f=1} END{exit !f}' "$root/etc/crypttab"; }
data_setup_required() { [ -L "$root/etc/systemd/system/systemd-cryptsetup@balie\\x2ddata.service.requires/balie-data-setup.service" ]; }
epoch_check_required() { [ -L "$root/etc/systemd/system/systemd-cryptsetup@balie\\x2ddata.service.requires/balie-epoch-check.service" ]; }
security_epoch() { grep -Eqx '[0-9]+' "$root/usr/lib/balie/security-epoch"; }
no_plain_keys() {
  local hits
  hits=$(find "$root/etc" "$var" "$root/usr/lib/balie" \( -name 'balie-*key*' ! -name '*.cred' \) -o -name 'ssh_host_*_key' 2>/dev/null
         grep -rlsI -- '-----BEGIN .*PRIVATE KEY-----' "$root/etc" "$var" "$root/usr/lib/balie" 2>/dev/null)
  [ -z "$hits" ] || { echo "$hits" >&2; return 1; }
}
no_setuid() { [ -z "$(find "$root" -xdev -type f \( -perm -4000 -o -perm -2000 \) -print -quit)" ]; }
unit_has() { grep -Eq "$2" "$root/usr/lib/systemd/system/$1"; }

for u in ctrl-alt-del.target getty@.service serial-getty@.service autovt@.service console-getty.service \
         debug-shell.service emergency.service rescue.service getty.target; do
  check "masked $u" masked "$u"
done
check "sysctl kernel.sysrq = 0" conf_has 'etc/sysctl.d/*.conf' '^kernel\.sysrq[[:space:]]*=[[:space:]]*0$'
check "usb_storage not loadable" conf_has 'etc/modprobe.d/*.conf' '^install[[:space:]]+usb_storage[[:space:]]+/bin/(false|true)'
check "uas not loadable" conf_has 'etc/modprobe.d/*.conf' '^install[[:space:]]+uas[[:space:]]+/bin/(false|true)'
check "logind: no autovt gettys" conf_has 'etc/systemd/logind.conf.d/*.conf' '^NAutoVTs=0$'
check "Ctrl+Alt+Del burst does nothing" conf_has 'etc/systemd/system.conf.d/*.conf' '^CtrlAltDelBurstAction=none$'
check "root account locked" root_locked
check "root has no shell" root_nologin
check "kiosk user balie: system uid, no shell" kiosk_user
for p in openssh-server dropbear udisks2 sudo telnetd gdm3 lightdm xserver-xorg-core; do
  check "package $p absent" not_installed "$p"
done
check "package cage present" installed cage
check "package xwayland present" installed xwayland
check "package seatd present" installed seatd
check "fstab: root read-only" fstab_ro_root
check "fstab: /var on its own partition" fstab_var
check "fstab: /var on the LUKS2 volume" fstab_var_encrypted
check "crypttab: balie-data unlocked by the TPM2, never a passphrase prompt" crypttab_tpm2
check "balie-data-setup runs before the data volume is unlocked" data_setup_required
check "anti-rollback: balie-epoch-check is required by the unlock of /var" epoch_check_required
check "anti-rollback: the image carries its security epoch" security_epoch
check "balie-trust (credential copy of this boot's policy key) enabled" enabled multi-user.target.wants balie-trust.service
check "balie-trust-bless (epoch raise, key retirement) enabled" enabled multi-user.target.wants balie-trust-bless.service
check "balie-health enabled (boot-complete.target)" enabled boot-complete.target.requires balie-health.service
check "balie-update.path enabled" enabled multi-user.target.wants balie-update.path
check "systemd-boot-update masked (would replace the signed loader)" masked systemd-boot-update.service
check "no plaintext key files" no_plain_keys
check "no set-uid/set-gid files" no_setuid
check "balie-kiosk enabled" enabled multi-user.target.wants balie-kiosk.service
check "balie-syncd.timer enabled" enabled timers.target.wants balie-syncd.timer
check "balie-provision enabled" enabled multi-user.target.wants balie-provision.service
check "kiosk unit has no network" unit_has balie-kiosk.service '^PrivateNetwork=yes$'
check "kiosk unit: TPM-sealed DB key" unit_has balie-kiosk.service '^LoadCredentialEncrypted=balie-db-key:'
check "kiosk unit: unprivileged user" unit_has balie-kiosk.service '^User=balie$'
check "sync unit: no devices (display)" unit_has balie-syncd.service '^PrivateDevices=yes$'
check "sync unit: configuration from the applied bundle" unit_has balie-syncd.service '^ExecStart=/usr/bin/balie-syncd --once --config /var/lib/balie-config/syncd.json$'
check "sync unit: mTLS key TPM-sealed" unit_has balie-syncd.service '^LoadCredentialEncrypted=balie-tls-key:'
# The bundle is applied to the kiosk's store: without BALIE_STATE_DIR the unit's only StateDirectory
# (the config dir) would become the state dir and get a second, empty store (found by tier B).
check "enrol-apply unit: the kiosk's store" unit_has balie-enrol-apply.service '^Environment=.*BALIE_STATE_DIR=/var/lib/balie( |$)'
check "balie-syncd-request.path enabled (staff: Nu versturen)" enabled multi-user.target.wants balie-syncd-request.path
check "balie-enrol-apply enabled (provisioning partition)" enabled multi-user.target.wants balie-enrol-apply.service
check "balie-enrol-request enabled" enabled multi-user.target.wants balie-enrol-request.service
check "online enrolment: code path enabled" enabled multi-user.target.wants balie-enrol-online.path
check "online enrolment: bundle path enabled" enabled multi-user.target.wants balie-enrol-apply-online.path
check "online enrolment: the kiosk's store" unit_has balie-enrol-apply-online.service '^Environment=.*BALIE_STATE_DIR=/var/lib/balie( |$)'
check "balie-identity enabled (stable machine-id)" enabled sysinit.target.wants balie-identity.service
check "balie-config.path enabled (bundle changes identity, NTP servers)" enabled paths.target.wants balie-config.path
check "systemd-networkd enabled" enabled multi-user.target.wants systemd-networkd.service
check "systemd-resolved enabled" enabled sysinit.target.wants systemd-resolved.service
check "systemd-timesyncd enabled" enabled sysinit.target.wants systemd-timesyncd.service
check "time-sync.target waits for synchronisation" enabled sysinit.target.wants systemd-time-wait-sync.service
check "resolv.conf points to the resolved stub" test "$(readlink "$root/etc/resolv.conf")" = ../run/systemd/resolve/stub-resolv.conf
check "a provisioning public key is installed" test -n "$(find "$root/usr/share/balie/provisioning-keys" -name '*.pub' 2>/dev/null)"
check "default target multi-user" test "$(readlink "$root/etc/systemd/system/default.target")" = /lib/systemd/system/multi-user.target
echo "lint-rootfs: $failures failure(s)"
[ "$failures" -eq 0 ]
