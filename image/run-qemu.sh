#!/usr/bin/env bash
# Boots the assembled Balie disk in qemu-system-x86_64 (TCG; KVM with BALIE_QEMU_ACCEL=kvm) with a software TPM
# (swtpm, state in --tpm-state), virtio-gpu, no network unless --net. Serial console to --log.
# Usage: image/run-qemu.sh [--out DIR] [--disk FILE] [--tpm-state DIR|--no-tpm] [--selftest MODE]
#        [--timeout SECONDS] [--log FILE] [--gui] [--append ARGS] [--pidfile FILE] [--uefi-secure-boot]
#        [--allow-reboot] [--extra-disk FILE] [--net] [--rtc BASE]
# --net: one wired NIC (virtio-net) on qemu's user networking: DHCP and DNS from qemu, and the host's
# 127.0.0.1 reachable as 10.0.2.2 (TCP and UDP: an inbox, an NTP server on the host's loopback).
# --rtc BASE: the guest's real-time clock at boot (qemu -rtc base=, e.g. 2026-12-05T12:00:00 (UTC) or
# "utc"); a terminal whose RTC is off.
# --allow-reboot: a reboot restarts the machine (default: qemu exits, so a test sees every reboot);
# --extra-disk: a second virtio disk (/dev/vdb in the guest), e.g. an update bundle.
# --uefi-secure-boot: OVMF with Secure Boot on and the snakeoil test keys enrolled; boots the signed
# UKI from the disk's ESP (its embedded command line; --selftest/--append do not apply).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../build/image"
disk="" tpm_state="" selftest="" timeout=0 log="" gui=0 extra="" no_tpm=0 pidfile="" uefi=0 reboot=0 extra_disk=""
net=0 rtc=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --disk) disk="$2"; shift 2 ;;
    --tpm-state) tpm_state="$2"; shift 2 ;;
    --no-tpm) no_tpm=1; shift ;;
    --selftest) selftest="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --log) log="$2"; shift 2 ;;
    --gui) gui=1; shift ;;
    --append) extra="$2"; shift 2 ;;
    --pidfile) pidfile="$2"; shift 2 ;;
    --uefi-secure-boot) uefi=1; shift ;;
    --allow-reboot) reboot=1; shift ;;
    --extra-disk) extra_disk="$2"; shift 2 ;;
    --net) net=1; shift ;;
    --rtc) rtc="$2"; shift 2 ;;
    *) echo "run-qemu.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
disk="${disk:-$out/disk.img}"
tpm_state="${tpm_state:-$out/tpm-state}"
log="${log:-$out/serial.log}"
for f in "$disk" "$out/kernel" "$out/initrd" "$out/cmdline"; do
  [ -f "$f" ] || { echo "run-qemu.sh: $f missing (run image/build.sh first)" >&2; exit 1; }
done
cmdline="$(cat "$out/cmdline") console=ttyS0"
[ -n "$selftest" ] && cmdline="$cmdline balie.selftest=$selftest"
[ -n "$extra" ] && cmdline="$cmdline $extra"

args=(-m 1536 -smp 2 -nodefaults
      -drive "file=$disk,format=raw,if=virtio,cache=unsafe" -device virtio-gpu-pci
      -serial "file:$log")
if [ "$net" -eq 1 ]; then args+=(-nic "user,model=virtio-net-pci"); else args+=(-nic none); fi
[ -z "$rtc" ] || args+=(-rtc "base=$rtc")
[ "$reboot" -eq 1 ] || args+=(-no-reboot)
[ -z "$extra_disk" ] || args+=(-drive "file=$extra_disk,format=raw,if=virtio,readonly=on")
vars=""
if [ "$uefi" -eq 1 ]; then
  vars=$(mktemp /tmp/balie-ovmf-vars.XXXXXX)
  cp /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd "$vars"
  args+=(-machine "q35,smm=on" -global "driver=cfi.pflash01,property=secure,value=on"
         -drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
         -drive "if=pflash,format=raw,unit=1,file=$vars")
else
  args+=(-machine q35 -kernel "$out/kernel" -initrd "$out/initrd" -append "$cmdline")
fi
# KVM only when asked for (BALIE_QEMU_ACCEL=kvm): /dev/kvm exists on some hosts where it does not work.
# TCG: "max" without AVX2: QEMU 7.2's new AVX2 emulation crashed llvmpipe's JIT code in balie-kiosk at its
# first frame (SIGSEGV inside JIT code, 2 of 3 starts under OVMF); with avx2=off no crash was seen.
# BALIE_QEMU_CPU overrides the model.
if [ "${BALIE_QEMU_ACCEL:-tcg}" = kvm ]; then args+=(-accel kvm -cpu host); else args+=(-accel tcg -cpu "${BALIE_QEMU_CPU:-max,avx2=off}"); fi
[ -n "$pidfile" ] && args+=(-pidfile "$pidfile")
[ "$gui" -eq 1 ] && args+=(-display gtk -device usb-ehci -device usb-tablet) || args+=(-display none)

work=$(mktemp -d /tmp/balie-qemu.XXXXXX)
swtpm_pid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() { [ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null; rm -rf "$work" "$vars"; }
trap cleanup EXIT
if [ "$no_tpm" -eq 0 ]; then
  mkdir -p "$tpm_state"
  swtpm socket --tpm2 --tpmstate dir="$tpm_state" --ctrl type=unixio,path="$work/swtpm.sock" \
    --terminate --log file="$work/swtpm.log" &
  swtpm_pid=$!
  for _ in $(seq 1 50); do [ -S "$work/swtpm.sock" ] && break; sleep 0.1; done
  args+=(-chardev "socket,id=chrtpm,path=$work/swtpm.sock" -tpmdev "emulator,id=tpm0,chardev=chrtpm"
         -device "tpm-tis,tpmdev=tpm0")
fi
: > "$log"
if [ "$timeout" -gt 0 ]; then
  rc=0; timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" || rc=$?
else
  rc=0; qemu-system-x86_64 "${args[@]}" || rc=$?
fi
[ "$rc" -eq 124 ] && echo "run-qemu.sh: timed out after ${timeout}s" >&2
exit "$rc"
