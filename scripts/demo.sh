#!/usr/bin/env bash
# README's demo command: installs missing Debian packages, builds (preset "default") and runs the
# kiosk on the embedded demo data, next to local balie-inbox receivers for the demo municipalities
# (scripts/demo-inbox.sh). With a display it opens the kiosk window (add --windowed WxH for a window)
# and runs balie-syncd beside it, so staff "Nu versturen" on the status screen sends at once; without
# one it runs the same app under Xvfb through the scripted demo session (which signs a declaration for
# demo-01, GM0363), writes a PNG of every screen it passed to a folder it prints, then runs one sync
# pass (balie-syncd --once) and shows what each municipality's inbox received. The scripted run starts
# from a fresh demo store and empty demo inboxes each time (keys and demo CA are kept). State lives in
# ./build/demo-state unless BALIE_STATE_DIR is set. Extra arguments go to balie-kiosk.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)"

export BALIE_STATE_DIR="${BALIE_STATE_DIR:-$root/build/demo-state}"
export BALIE_CONFIG_DIR="${BALIE_CONFIG_DIR:-$root/build/demo-state/config}"
# The kiosk asks balie-syncd for a pass with the file $BALIE_STATE_DIR/sync-now (next to the store).
export BALIE_RUNTIME_DIR="${BALIE_RUNTIME_DIR:-$BALIE_STATE_DIR/run}"
mkdir -p "$BALIE_STATE_DIR" "$BALIE_RUNTIME_DIR"
kiosk="$root/build/default/kiosk/balie-kiosk"
syncd="$root/build/default/sync/balie-syncd"
syncd_config="$BALIE_CONFIG_DIR/syncd.json"
has_display=0
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then has_display=1; fi

syncd_pid=
cleanup() {
  if [ -n "$syncd_pid" ] && kill -0 "$syncd_pid" 2>/dev/null; then
    kill -TERM "$syncd_pid" || true
    wait "$syncd_pid" 2>/dev/null || true
  fi
  scripts/demo-inbox.sh stop || true
  scripts/demo-coa.sh stop || true
}

if [ "$has_display" = 0 ]; then
  # The scripted session signs demo-01's declaration, which a kiosk offers once: start afresh.
  scripts/demo-inbox.sh reset
  rm -f "$BALIE_STATE_DIR/balie.db" "$BALIE_STATE_DIR/balie.db-wal" "$BALIE_STATE_DIR/balie.db-shm"
  rm -f "$BALIE_RUNTIME_DIR/sync-now" "$BALIE_STATE_DIR/sync-now"
fi
# The local municipality receivers, wired to the kiosk's store (routes, device key, demo CA); they also
# trust COA's device CA (its demo certificates are made first).
scripts/demo-coa.sh pki || true
scripts/demo-inbox.sh start
# COA's service beside them: a private PostgreSQL under the demo state folder and balie-coa, seeded from
# the demo data (scripts/demo-coa.sh). The kiosk does not depend on it: a failure is reported, not fatal.
coa_ok=1
scripts/demo-coa.sh start || { coa_ok=0; echo "demo: balie-coa did not start (see above); the kiosk demo goes on without it"; }
trap cleanup EXIT

if [ "$has_display" = 1 ]; then
  "$syncd" --config "$syncd_config" >> "$BALIE_STATE_DIR/syncd.log" 2>&1 &
  syncd_pid=$!
  echo "demo: balie-syncd runs beside the kiosk (log $BALIE_STATE_DIR/syncd.log); staff status 'Nu versturen' sends now"
  echo "demo: after signing and 'Nu versturen', see what arrived (another terminal, while this demo runs):"
  echo "demo:   BALIE_STATE_DIR=$BALIE_STATE_DIR scripts/demo-inbox.sh status"
  rc=0
  "$kiosk" "$@" || rc=$?
  scripts/demo-inbox.sh status
  exit "$rc"
fi

shots="$root/build/demo-shots"
rm -rf "$shots"
mkdir -p "$shots"
echo "demo: no display found; running the scripted demo session under Xvfb"
SDL_AUDIODRIVER="${SDL_AUDIODRIVER:-dummy}" xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" \
  "$kiosk" --script "$root/assets/demo/demo-session.balie" --shots "$shots" "$@"
echo "demo: screenshots of every screen are in $shots"

echo
echo "demo: one sync pass, as staff 'Nu versturen' or the nightly window would start it:"
echo "demo: \$ balie-syncd --config $syncd_config --once"
rc=0
"$syncd" --config "$syncd_config" --once || rc=$?
case "$rc" in
  0) echo "demo: balie-syncd exit 0: every waiting record was delivered and acknowledged" ;;
  1) echo "demo: balie-syncd exit 1: records held or rejected (see above)" ;;
  2) echo "demo: balie-syncd exit 2: transient failures; the next pass retries" ;;
  *) echo "demo: balie-syncd exit $rc: local error" ;;
esac
echo
echo "demo: what each demo municipality's inbox received (demo-01's declaration belongs to GM0363 only):"
scripts/demo-inbox.sh status
echo
echo "demo: Amsterdam's DUO export (PUT /personen/{bsn}/pvt, or blocked with DUO's reason; record/pvt_rule.h):"
"$root/build/default/sync/balie-inbox" export-pvt --db "$BALIE_STATE_DIR/demo-inbox/GM0363/inbox.db" \
  --db-key-file "$BALIE_STATE_DIR/demo-inbox/GM0363/inbox-db.key" \
  --gemeentecode GM0363 || echo "demo: the DUO export failed (see above)"
# What Amsterdam's case worker files: the PDF/A of each signed declaration, checked with balie-verify.
gm="$BALIE_STATE_DIR/demo-inbox/GM0363"
mkdir -p "$BALIE_STATE_DIR/demo-documents"
for id in $("$root/build/default/sync/balie-inbox" dump --db "$gm/inbox.db" --db-key-file "$gm/inbox-db.key" \
              --gemeentecode GM0363 | jq -r '.[] | select(.kind == "pvt.ondertekend") | .record_id'); do
  pdf="$BALIE_STATE_DIR/demo-documents/$id.pdf"
  if "$root/build/default/sync/balie-inbox" document --db "$gm/inbox.db" --db-key-file "$gm/inbox-db.key" \
       --gemeentecode GM0363 --record-id "$id" --out "$pdf" --texts "$root/assets/texts" --keys "$gm/keys" &&
     "$root/build/default/sync/balie-verify" --texts "$root/assets/texts" --box-key-file "$gm/keys/box.seed" "$pdf" >/dev/null; then
    echo "demo: GM0363's document for $id (verified with balie-verify): $pdf"
  else
    echo "demo: the document for $id could not be made or verified (see above)"
  fi
done
if [ "$coa_ok" = 1 ]; then
  echo
  echo "demo: a second terminal enrolled at COA with a one-time code (scripts/demo-coa.sh terminal):"
  scripts/demo-coa.sh terminal || echo "demo: the COA terminal demo failed (see above)"
  scripts/demo-coa.sh shot "$shots/coa-fleet.png" || true
fi
