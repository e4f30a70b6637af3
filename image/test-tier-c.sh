#!/usr/bin/env bash
# Tier C of the terminal image (nightly/release, ~40 min under TCG): reproducibility, app watchdog,
# crash loop to reboot, power cut during DB writes (x5), verity tamper, Secure Boot (signed loader and
# UKI boot, unsigned ones refused), A/B update (a good update is blessed, a failing one rolls back),
# PCR-policy key rotation in two phases with a raised security epoch (an older UKI then cannot unseal).
# Usage: sudo image/test-tier-c.sh --bin-dir BUILD_DIR [--only NAME[,NAME]] [--out DIR] [--image DIR]
#   --image DIR: boot an image already built there (image/build.sh --out DIR) instead of building one
#   NAME: repro, watchdog, crashloop, powercut, verity, secureboot, abupdate, rotation
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bin_dir="" only="" out="$repo/build/image" image=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    *) echo "test-tier-c.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "test-tier-c.sh: needs root" >&2; exit 77; }
[ -n "$bin_dir" ] || { echo "test-tier-c.sh: --bin-dir BUILD_DIR is required" >&2; exit 2; }
work="$out/tier-c"   # everything of tier C lives here
# One source identity for every build of this run, even if a commit lands meanwhile.
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct)}"
BALIE_BUILD_COMMIT="${BALIE_BUILD_COMMIT:-$(git -C "$repo" rev-parse HEAD)}"
export SOURCE_DATE_EPOCH BALIE_BUILD_COMMIT
mkdir -p "$work"
boot_timeout="${BALIE_BOOT_TIMEOUT:-300}"
declare -A result took
order=()
log() { printf '[tier C %s] %s\n' "$(date +%T)" "$*"; }
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
record() { result[$1]="$2"; took[$1]="$3"; order+=("$1"); log "$1: $2 (${3}s)"; }
serial_line() { grep -a -m1 '^KIOSK_SELFTEST=' "$1" | tr -d '\r'; }
boot() {  # boot DISK TPM LOG MODE [extra run-qemu args]
  local disk="$1" tpm="$2" serial="$3" mode="$4"; shift 4
  "$here/run-qemu.sh" --out "$out" --disk "$disk" --tpm-state "$tpm" --selftest "$mode" \
    --timeout "$boot_timeout" --log "$serial" "$@" >/dev/null 2>&1
}

# --- reproducibility: two clean builds of the same commit from the same resolved package set (resolved
# once against today's archive) give identical root, verity, kernel, initrd and unsigned UKI
if want repro; then
  t=$(date +%s); ok=PASS
  if ! "$here/resolve-manifest.sh" --out "$work" > "$work/resolve.log" 2>&1; then
    ok="FAIL(resolution, see $work/resolve.log)"
  fi
  for n in 1 2; do
    [ "$ok" = PASS ] || break
    rm -rf "$work/repro-$n"
    "$here/build.sh" --bin-dir "$bin_dir" --out "$work/repro-$n" --manifest "$work/manifest.resolved" \
      > "$work/repro-$n.log" 2>&1 || { ok="FAIL(build $n, see $work/repro-$n.log)"; break; }
  done
  if [ "$ok" = PASS ]; then
    if ! diff "$work/repro-1/SHA256SUMS" "$work/repro-2/SHA256SUMS" > "$work/repro.diff"; then
      ok="FAIL(differs: $(awk '/^[<>]/ {print $3}' "$work/repro.diff" | sort -u | tr '\n' ' '))"
    fi
    cat "$work/repro-1/SHA256SUMS"
  fi
  rm -rf "$work/repro-1/base" "$work/repro-2/base" "$work/repro-2/rootfs"
  record repro "$ok" $(( $(date +%s) - t ))
fi

# The remaining parts boot an image of their own (not build/image, which ctest rebuilds): the first
# reproducibility build when it ran, else a fresh build in $work/image.
if [ -n "$image" ]; then
  out=$(cd "$image" && pwd)
  [ -f "$out/disk.img" ] || { echo "test-tier-c.sh: no disk.img in $out" >&2; exit 2; }
elif [ -f "$work/repro-1/disk.img" ] && [ "${result[repro]:-}" = PASS ]; then
  out="$work/repro-1"
else
  out="$work/image"
  if [ ! -f "$out/disk.img" ]; then
    "$here/build.sh" --bin-dir "$bin_dir" --out "$out" > "$work/build.log" 2>&1 || { echo "build failed: $work/build.log"; exit 1; }
  fi
fi
fresh_disk() { cp --sparse=always "$out/disk.img" "$1"; }

# Provisioned disk + TPM shared by the boot scenarios
prepare() {
  [ -f "$work/disk.img" ] && [ -d "$work/tpm" ] && return 0
  rm -rf "$work/tpm"; fresh_disk "$work/disk.img"
  boot "$work/disk.img" "$work/tpm" "$work/provision.serial" basic
  serial_line "$work/provision.serial" | grep -q '^KIOSK_SELFTEST=PASS'
}

# --- app watchdog: a hung UI (SIGSTOP) is killed by the watchdog and restarted within seconds
if want watchdog; then
  t=$(date +%s)
  if prepare; then
    boot "$work/disk.img" "$work/tpm" "$work/watchdog.serial" watchdog
    line=$(serial_line "$work/watchdog.serial")
    echo "$line"
    if [[ "$line" == KIOSK_SELFTEST=PASS*watchdog_timeout=yes* ]]; then ok=PASS; else ok="FAIL(${line:-no line})"; fi
  else ok="FAIL(provisioning boot)"; fi
  record watchdog "$ok" $(( $(date +%s) - t ))
fi

# --- crash loop: the kiosk crashes again and again -> StartLimitAction=reboot (qemu -no-reboot exits)
if want crashloop; then
  t=$(date +%s)
  if prepare; then
    rc=0; boot "$work/disk.img" "$work/tpm" "$work/crashloop.serial" crashloop || rc=$?
    kills=$(grep -ac 'BALIE_CRASHLOOP kill=' "$work/crashloop.serial")
    if [ "$rc" -ne 124 ] && grep -aq 'reboot: Restarting system' "$work/crashloop.serial" \
       && ! grep -aq '^KIOSK_SELFTEST=' "$work/crashloop.serial" && [ "$kills" -ge 5 ]; then
      ok="PASS(rebooted after $kills crashes)"
    else
      ok="FAIL(qemu exit $rc, $kills crashes, $(grep -a -m1 '^KIOSK_SELFTEST=' "$work/crashloop.serial" | cut -c1-80))"
    fi
  else ok="FAIL(provisioning boot)"; fi
  record crashloop "$ok" $(( $(date +%s) - t ))
fi

# --- power cut during database writes, five times: kill qemu, reboot, integrity_check ok
if want powercut; then
  t=$(date +%s); ok=PASS
  if prepare; then
    for i in 1 2 3 4 5; do
      rm -f "$work/qemu.pid" "$work/powercut-$i.serial" "$work/integrity-$i.serial"
      boot "$work/disk.img" "$work/tpm" "$work/powercut-$i.serial" dbwrite --pidfile "$work/qemu.pid" &
      runner=$!
      for _ in $(seq 1 "$boot_timeout"); do grep -aq 'BALIE_DBWRITE n=' "$work/powercut-$i.serial" 2>/dev/null && break; sleep 1; done
      if ! grep -aq 'BALIE_DBWRITE n=' "$work/powercut-$i.serial"; then ok="FAIL(round $i: writes never started)"; kill "$runner"; wait "$runner"; break; fi
      sleep $(( (RANDOM % 5) + 1 ))
      [ -s "$work/qemu.pid" ] || { ok="FAIL(round $i: no qemu pid)"; break; }
      kill -KILL "$(cat "$work/qemu.pid")"   # the power cut
      wait "$runner"
      last=$(grep -a 'BALIE_DBWRITE n=' "$work/powercut-$i.serial" | tail -1 | tr -d '\r')
      boot "$work/disk.img" "$work/tpm" "$work/integrity-$i.serial" integrity
      line=$(serial_line "$work/integrity-$i.serial")
      echo "round $i: cut after '$last' -> ${line:0:120}"
      [[ "$line" == KIOSK_SELFTEST=PASS*integrity=ok* ]] || { ok="FAIL(round $i: ${line:-no line})"; break; }
    done
  else ok="FAIL(provisioning boot)"; fi
  record powercut "$ok" $(( $(date +%s) - t ))
fi

# --- verity: a tampered root slot must not boot (a flipped byte in the squashfs; a wrong root hash)
if want verity; then
  t=$(date +%s); ok=PASS
  layout() { tr ' ' '\n' < "$out/layout.env" | sed -n "s/^$1=//p"; }   # MiB offsets from build.sh
  fresh_disk "$work/tamper.img"
  # flip one byte of the squashfs superblock (start of root-a): the block is read at mount.
  # (verity checks blocks when they are read: a flipped byte in a file nobody reads stays unnoticed
  # until that file is read, which then fails with an I/O error.)
  printf '\xff' | dd of="$work/tamper.img" bs=1 seek=$(( $(layout root_a_at) * 1024 * 1024 + 40 )) conv=notrunc status=none
  boot "$work/tamper.img" "$work/tpm-tamper" "$work/tamper.serial" basic || true
  if grep -aq '^KIOSK_SELFTEST=' "$work/tamper.serial" || ! grep -aqiE 'verity|corrupt|Kernel panic' "$work/tamper.serial"; then
    ok="FAIL(tampered data block: $(grep -aiE -m2 'verity|KIOSK' "$work/tamper.serial" | tr '\n' ' '))"
  fi
  fresh_disk "$work/tamper.img"
  # flip a byte of the hash tree's top level: the root hash no longer matches, veritysetup refuses
  printf '\x00' | dd of="$work/tamper.img" bs=1 seek=$(( $(layout root_a_verity_at) * 1024 * 1024 + 4096 + 5 )) conv=notrunc status=none
  boot "$work/tamper.img" "$work/tpm-tamper" "$work/tamper2.serial" basic || true
  if grep -aq '^KIOSK_SELFTEST=' "$work/tamper2.serial" || ! grep -aqiE 'balie-verity|verity|corrupt|Kernel panic' "$work/tamper2.serial"; then
    ok="FAIL(tampered hash tree: $(grep -aiE -m2 'verity|KIOSK' "$work/tamper2.serial" | tr '\n' ' '))"
  fi
  rm -f "$work/tamper.img"
  record verity "$ok" $(( $(date +%s) - t ))
fi

# UEFI boots (OVMF, Secure Boot on, snakeoil test keys enrolled): the disk's ESP with a test UKI whose
# signed command line adds the serial console and the self-test mode.
# BALIE_TIERC_VERBOSE=1: the test UKIs show kernel and systemd messages on the serial console.
verbose=""; [ "${BALIE_TIERC_VERBOSE:-0}" = 1 ] && verbose=" loglevel=6 systemd.show_status=true"
uefi_disk() {  # uefi_disk DISK MODE [--unsigned-loader|--unsigned-uki]: a fresh disk booting MODE
  local disk="$1" mode="$2" flag="${3:-}" sign=()
  [ "$flag" = --unsigned-uki ] && sign=(--unsigned)
  fresh_disk "$disk"
  "$here/uki.sh" clear-entries "$disk"
  "$here/uki.sh" build "$out" "$work/test-uki.efi" --slot a --extra "console=ttyS0 balie.selftest=$mode$verbose" "${sign[@]}"
  "$here/uki.sh" install-entry "$disk" "$work/test-uki.efi" "balie-$(cat "$out/version").efi"
  if [ "$flag" = --unsigned-loader ]; then "$here/uki.sh" install-loader "$disk" "$out" --unsigned; fi
  rm -f "$work/test-uki.efi"
}
uefi_boot() {  # uefi_boot DISK TPM LOG TIMEOUT [run-qemu args]
  local disk="$1" tpm="$2" serial="$3" limit="$4"; shift 4
  "$here/run-qemu.sh" --out "$out" --disk "$disk" --tpm-state "$tpm" --uefi-secure-boot \
    --timeout "$limit" --log "$serial" "$@" >/dev/null 2>&1
}

# --- Secure Boot: the signed loader + UKI boot; an unsigned loader (firmware) and an unsigned UKI
# (systemd-boot, through the firmware's verification) are refused
if want secureboot; then
  t=$(date +%s); ok=PASS
  uefi_disk "$work/sb.img" basic
  rm -rf "$work/tpm-sb"
  uefi_boot "$work/sb.img" "$work/tpm-sb" "$work/sb-signed.serial" "$boot_timeout"
  line=$(serial_line "$work/sb-signed.serial")
  echo "signed: ${line:0:100} ... $(grep -o 'secure_boot=[a-z-]* slot=[^ ]* boot_entry=[^ ]*' <<<"$line")"
  [[ "$line" == KIOSK_SELFTEST=PASS*secure_boot=on* ]] || ok="FAIL(signed: ${line:-no line})"
  for variant in unsigned-loader unsigned-uki; do
    uefi_disk "$work/sb.img" basic "--$variant"
    rm -rf "$work/tpm-sb2"
    uefi_boot "$work/sb.img" "$work/tpm-sb2" "$work/sb-$variant.serial" 150 || true
    if grep -aq 'Linux version\|^KIOSK_SELFTEST=' "$work/sb-$variant.serial" \
       || ! grep -aqiE 'Access Denied|Security Violation' "$work/sb-$variant.serial"; then
      ok="FAIL($variant was not refused)"
    fi
    echo "$variant: $(grep -aoiE -m1 '[^\r]{0,60}(Access Denied|Security Violation)' "$work/sb-$variant.serial" | head -1)"
  done
  rm -f "$work/sb.img"
  record secureboot "$ok" $(( $(date +%s) - t ))
fi

# --- A/B update with roll-back: boot slot A, the self-test installs a bundle (second disk) into slot
# B with one try and reboots. (1) the new version's health check fails -> systemd-boot marks it bad and
# boots slot A again; (2) a healthy new version is blessed and stays on slot B.
if want abupdate; then
  t=$(date +%s); ok=PASS
  v1=$(cat "$out/version")
  for scenario in ${BALIE_AB_SCENARIOS:-rollback good}; do
    health=""; [ "$scenario" = rollback ] && health=" balie.health=fail"
    "$here/bundle.sh" "$out" "$work/bundle.tar" --version $((v1 + 1)) \
      --extra "console=ttyS0 balie.selftest=abupdate$health$verbose" > "$work/bundle-$scenario.log" 2>&1 \
      || { ok="FAIL(bundle: $(tail -1 "$work/bundle-$scenario.log"))"; break; }
    uefi_disk "$work/ab.img" abupdate
    rm -rf "$work/tpm-ab"
    rc=0; uefi_boot "$work/ab.img" "$work/tpm-ab" "$work/ab-$scenario.serial" $((boot_timeout * 4)) \
      --allow-reboot --extra-disk "$work/bundle.tar" || rc=$?
    line=$(serial_line "$work/ab-$scenario.serial")
    grep -a '^BALIE_AB ' "$work/ab-$scenario.serial" | tr -d '\r' | sed "s/^/  $scenario: /"
    echo "$scenario: ${line:0:60} ... $(grep -oE 'installed-from=[^ ]*|entries=[^ ]*|slot=[^ ]*|trial=[^ ]*|health=[^ ]*' <<<"$line" | tr '\n' ' ')"
    case "$scenario" in
      rollback) want_re="KIOSK_SELFTEST=PASS.*installed-from=root-a entries=balie-$v1\.efi,balie-$((v1 + 1))\+0-1\.efi .*slot=root-a .*trial=no health=success" ;;
      good) want_re="KIOSK_SELFTEST=PASS.*installed-from=root-a entries=balie-$v1\.efi,balie-$((v1 + 1))\.efi .*slot=root-b .*trial=yes health=success" ;;
    esac
    if ! grep -qE "$want_re" <<<"$line"; then ok="FAIL($scenario: qemu $rc, ${line:-no line})"; break; fi
  done
  rm -f "$work/ab.img" "$work/bundle.tar"
  record abupdate "$ok" $(( $(date +%s) - t ))
fi

# --- rotation (issue 20): a PCR-policy key rotation in two phases carried by update bundles, with reboots;
# /var unlocks after every boot; the blessed phase-2 boot raises the security epoch and retires the old key;
# then an older UKI (phase 1: still signed with the new key too, but epoch 1) must not unseal.
if want rotation; then
  t=$(date +%s); ok=PASS
  v1=$(cat "$out/version")
  rot="$work/rotation"; rm -rf "$rot"; mkdir -p "$rot"
  k1="$here/keys/pcr-policy-test.key"
  openssl genrsa -out "$rot/k2.key" 2048 2>/dev/null
  # phase 2 ships a raised security epoch: the same rootfs with security-epoch 2, assembled again
  cp -a "$out/rootfs" "$rot/out2-rootfs.tmp" 2>/dev/null || ok="FAIL(no rootfs in $out to respin)"
  if [ "$ok" = PASS ]; then
    mkdir -p "$rot/out2"; mv "$rot/out2-rootfs.tmp" "$rot/out2/rootfs"
    echo 2 > "$rot/out2/rootfs/usr/lib/balie/security-epoch"
    "$here/build.sh" --assemble-only --out "$rot/out2" > "$rot/out2.log" 2>&1 || ok="FAIL(assemble epoch 2, see $rot/out2.log)"
  fi
  sel="console=ttyS0 balie.selftest=abupdate$verbose"
  if [ "$ok" = PASS ]; then
    BALIE_PCR_KEYS="$k1 $rot/k2.key" "$here/bundle.sh" "$out" "$rot/p1.tar" --version $((v1 + 1)) --extra "$sel" \
      > "$rot/p1.log" 2>&1 || ok="FAIL(phase 1 bundle: $(tail -1 "$rot/p1.log"))"
    BALIE_PCR_KEY="$rot/k2.key" "$here/bundle.sh" "$rot/out2" "$rot/p2.tar" --version $((v1 + 2)) --extra "$sel" \
      > "$rot/p2.log" 2>&1 || ok="FAIL(phase 2 bundle: $(tail -1 "$rot/p2.log"))"
    tar -xOf "$rot/p2.tar" manifest | grep -qx 'security_epoch=2' || ok="FAIL(phase 2 manifest has no security_epoch=2)"
  fi
  rot_boot() {  # rot_boot NAME BUNDLE REGEX: boots with BUNDLE on /dev/vdb until the self-test speaks
    # Each reboot is a power cycle (a new qemu on the same disk and TPM state): OVMF under TCG with SMM
    # once hung for 20 minutes in a warm reset after the phase-2 install, before its boot manager.
    local rc=0 line n
    : > "$rot/$1.serial"
    for n in 1 2 3; do
      rc=0; uefi_boot "$rot/disk.img" "$rot/tpm" "$rot/$1-$n.serial" "$boot_timeout" --extra-disk "$2" || rc=$?
      cat "$rot/$1-$n.serial" >> "$rot/$1.serial"
      grep -aq '^KIOSK_SELFTEST=' "$rot/$1-$n.serial" && break
      grep -aq 'reboot: Restarting system' "$rot/$1-$n.serial" || break   # neither a verdict nor a reboot
    done
    line=$(serial_line "$rot/$1.serial")
    grep -a '^BALIE_AB ' "$rot/$1.serial" | tr -d '\r' | sed "s/^/  $1: /"
    echo "$1: ${line:0:40} ... $(grep -oE 'installed-from=[^ ]*|slot=[^ ]*|data=[^ ]*|data_tokens=[^ ]*|pcr_policy=[^ ]*|epoch=[^ ]*|epoch_min=[^ ]*' <<<"$line" | tr '\n' ' ')"
    grep -qE "$3" <<<"$line" || { ok="FAIL($1: qemu $rc, ${line:-no line})"; return 1; }
  }
  if [ "$ok" = PASS ]; then
    uefi_disk "$rot/disk.img" abupdate   # slot A: the image, its UKI signed with K1 only, epoch 1
    rm -rf "$rot/tpm"
    rot_boot phase1 "$rot/p1.tar" "KIOSK_SELFTEST=PASS.*data=luks2 .*pcr_policy=signed11\+7 epoch=1 epoch_min=1 data_tokens=2 trust_bless=success slot=root-b" &&
    rot_boot phase2 "$rot/p2.tar" "KIOSK_SELFTEST=PASS.*data=luks2 .*pcr_policy=signed11\+7 epoch=2 .*slot=root-a" &&
    rot_boot blessed "$rot/p2.tar" "KIOSK_SELFTEST=PASS.*data=luks2 .*pcr_policy=signed11\+7 epoch=2 epoch_min=2 data_tokens=1 trust_bless=success slot=root-a"
  fi
  if [ "$ok" = PASS ]; then
    # the older UKI (phase 1, slot B, epoch 1, signed with K1 and K2) as the only boot entry
    tar -xf "$rot/p1.tar" -C "$rot" balie-b.efi
    "$here/uki.sh" clear-entries "$rot/disk.img"
    "$here/uki.sh" install-entry "$rot/disk.img" "$rot/balie-b.efi" "balie-$((v1 + 1)).efi"
    uefi_boot "$rot/disk.img" "$rot/tpm" "$rot/old.serial" "$boot_timeout" || true
    line=$(serial_line "$rot/old.serial")
    echo "older UKI: $(grep -a -m1 -o "security epoch 1 is below[^\r]*" "$rot/old.serial") ${line:0:80}"
    if [[ "$line" == KIOSK_SELFTEST=PASS* ]] || ! grep -aq "security epoch 1 is below this terminal's minimum 2" "$rot/old.serial"; then
      ok="FAIL(older UKI: ${line:-no self-test line}, no epoch refusal on the console)"
    fi
  fi
  rm -f "$rot/disk.img"; rm -rf "$rot/out2/rootfs" "$rot/out2/base"
  record rotation "$ok" $(( $(date +%s) - t ))
fi

echo "=== tier C summary"
status=0
for k in "${order[@]}"; do
  printf '%-11s %-60s %5ss\n' "$k" "${result[$k]}" "${took[$k]}"
  case "${result[$k]}" in PASS*) ;; NOT-IMPLEMENTED*) [ "$status" -eq 0 ] && status=2 ;; *) status=1 ;; esac
done
exit "$status"
