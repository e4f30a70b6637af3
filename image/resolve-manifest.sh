#!/usr/bin/env bash
# Resolves the image's package set against what the Debian archive serves today, so a build never asks
# for a version the archive has withdrawn: image/manifest.lock's version where the archive still has it,
# else the archive's current version (one "moved:" line per package). apt's own solver picks the set
# (essential + Priority:required + apt, as mmdebstrap's minbase, plus image/packages.txt), with the
# lock's versions pinned where they exist, so dependencies that moved come along and dependencies no
# longer needed drop out. Uses a private apt directory (lists, cache, status, preferences): the host's
# apt state and configuration are never read or touched. The indexes are refreshed on every run.
# Usage: image/resolve-manifest.sh [--out DIR] [--lock FILE] [--packages FILE] [--latest] [--diff]
#   writes DIR/manifest.resolved (default build/image; apt state in DIR/apt) and prints the drift:
#     moved: PKG LOCKED -> NOW      the locked version is gone (or --latest): the archive's current one
#     added: PKG VERSION            newly pulled in (a moved package's new dependency, a new packages.txt entry)
#     dropped: PKG LOCKED           no longer pulled in (e.g. the previous kernel ABI package)
#   --latest: every package at the archive's current version (ignores the lock's versions)
#   --diff:   only print the resolved-versus-locked difference (CI); writes nothing but the apt state
#   Mirrors: $BALIE_MIRROR (default http://deb.debian.org/debian) bookworm main and its debian-security
#   bookworm-security main, as image/build.sh passes them to mmdebstrap. Exit 0 whatever the drift;
#   non-zero when the archive cannot be read or a package of packages.txt is not in it.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out="$repo/build/image"
lock="$here/manifest.lock"
packages="$here/packages.txt"
latest=0
diff_only=0
mirror="${BALIE_MIRROR:-http://deb.debian.org/debian}"
security="${BALIE_SECURITY_MIRROR:-${mirror%/debian}/debian-security}"
keyring="${BALIE_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
arch="${BALIE_ARCH:-amd64}"

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --lock) lock="$2"; shift 2 ;;
    --packages) packages="$2"; shift 2 ;;
    --latest) latest=1; shift ;;
    --diff) diff_only=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "resolve-manifest.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
die() { echo "resolve-manifest.sh: $*" >&2; exit 1; }
command -v apt-get >/dev/null || die "apt-get missing (a Debian host is needed)"
[ -r "$keyring" ] || die "$keyring missing (install debian-archive-keyring)"
[ -f "$lock" ] || lock=/dev/null   # no lock yet: everything is "added"

mkdir -p "$out"
out=$(cd "$out" && pwd)
apt_dir="$out/apt"
# The apt state is only a download cache: a directory we cannot write (a root build's, seen by a
# non-root CI drift print) is replaced by a temporary one.
if ! { mkdir -p "$apt_dir" && [ -w "$apt_dir" ]; } 2>/dev/null; then
  apt_dir=$(mktemp -d); trap 'rm -rf "$apt_dir"' EXIT
fi
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,etc/apt.conf.d,etc/preferences.d,etc/sources.list.d,etc/trusted.gpg.d}
: > "$apt_dir/status"
cat > "$apt_dir/etc/sources.list" <<EOF
deb [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $security bookworm-security main
EOF
cat > "$apt_dir/apt.conf" <<EOF
Dir::State "$apt_dir";
Dir::State::Lists "$apt_dir/lists";
Dir::State::status "$apt_dir/status";
Dir::Cache "$apt_dir/cache";
Dir::Etc "$apt_dir/etc";
Dir::Etc::Main "$apt_dir/etc/apt.conf";
Dir::Etc::Parts "$apt_dir/etc/apt.conf.d";
Dir::Etc::SourceList "$apt_dir/etc/sources.list";
Dir::Etc::SourceParts "$apt_dir/etc/sources.list.d";
Dir::Etc::Preferences "$apt_dir/etc/preferences";
Dir::Etc::PreferencesParts "$apt_dir/etc/preferences.d";
Dir::Etc::Trusted "/dev/null";
Dir::Etc::TrustedParts "$apt_dir/etc/trusted.gpg.d";
Dir::Log "$apt_dir/log";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Install-Recommends "false";
Acquire::Languages "none";
EOF
export APT_CONFIG="$apt_dir/apt.conf"

# 1. What the archive serves today (conditional downloads: unchanged indexes are not fetched again).
t0=$(date +%s)
if ! apt-get -q update --error-on=any > "$apt_dir/update.log" 2>&1; then
  cat "$apt_dir/update.log" >&2
  die "cannot read the archive ($mirror, $security)"
fi

entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | awk '{print $1, $2, $3}'; }
# 2. The lock's versions as apt preferences (priority 1001), only where the archive still has them:
#    apt's candidate is then the locked version, or the archive's current one when it is gone.
: > "$apt_dir/etc/preferences"
if [ "$latest" -eq 0 ]; then
  mapfile -t locked_names < <(entries "$lock" | cut -d' ' -f1)
  if [ "${#locked_names[@]}" -gt 0 ]; then
    apt-cache madison "${locked_names[@]}" 2>/dev/null \
      | awk -F'|' '{gsub(/ /, "", $1); gsub(/ /, "", $2); print $1, $2}' | sort -u > "$apt_dir/available"
    entries "$lock" | while read -r p v _; do
      if grep -qxF "$p $v" "$apt_dir/available"; then
        printf 'Package: %s\nPin: version %s\nPin-Priority: 1001\n\n' "$p" "$v"
      fi
    done > "$apt_dir/etc/preferences"
  fi
fi

# 3. What mmdebstrap's minbase installs (Essential:yes, Priority:required, apt) plus packages.txt.
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$packages" | grep -v '^$')
known=$(apt-cache madison "${wanted[@]}" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $1); print $1}' | sort -u)
for p in "${wanted[@]}"; do
  grep -qxF "$p" <<<"$known" \
    || die "$p ($packages) is not in the archive (bookworm, bookworm-security): replace or remove it"
done
mapfile -t base < <(apt-cache dumpavail | awk 'BEGIN { RS = ""; FS = "\n" }
  { p = ""; keep = 0
    for (i = 1; i <= NF; i++) {
      if ($i ~ /^Package: /) p = substr($i, 10)
      if ($i == "Essential: yes" || $i == "Priority: required") keep = 1
    }
    if (keep) print p }' | sort -u)
[ "${#base[@]}" -gt 10 ] || die "the archive's index lists only ${#base[@]} essential/required packages"

# 4. apt's solver on an empty system, read back what it would install.
solve() { apt-get -s -q install "${base[@]}" apt "${wanted[@]}" > "$apt_dir/solve.log" 2>&1; }
if ! solve; then
  if [ -s "$apt_dir/etc/preferences" ]; then
    echo "resolve-manifest.sh: the locked versions still available do not fit the moved ones:" >&2
    grep -E '^ |^E:' "$apt_dir/solve.log" | head -20 >&2
    echo "resolve-manifest.sh: resolving every package to the archive's current version instead" >&2
    : > "$apt_dir/etc/preferences"
    solve || { cat "$apt_dir/solve.log" >&2; die "apt cannot resolve the package set"; }
  else
    cat "$apt_dir/solve.log" >&2; die "apt cannot resolve the package set"
  fi
fi
resolved_body=$(sed -nE 's/^Inst ([^ ]+) \(([^ ]+) .*\[([^]]+)\]\).*/\1 \2 \3/p' "$apt_dir/solve.log" | sort)
[ -n "$resolved_body" ] || { cat "$apt_dir/solve.log" >&2; die "apt's solution lists no package"; }

# 5. The drift: resolved versus locked.
drift=$(join -a1 -a2 -e- -o 0,1.2,2.2 <(entries "$lock" | cut -d' ' -f1,2 | sort) \
  <(cut -d' ' -f1,2 <<<"$resolved_body") | awk '
  $2 == "-" { print "added: " $1 " " $3; next }
  $3 == "-" { print "dropped: " $1 " " $2; next }
  $2 != $3  { print "moved: " $1 " " $2 " -> " $3 }')
count() { grep -c "^$1:" <<<"$drift" || true; }
n_res=$(wc -l <<<"$resolved_body")
n_lock=$(entries "$lock" | wc -l)
summary="$n_res packages resolved against the archive today (lock: $n_lock): $(count moved) moved, $(count added) added, $(count dropped) dropped ($(( $(date +%s) - t0 ))s)"
[ "$latest" -eq 1 ] && summary="$summary; --latest: locked versions ignored"

if [ "$diff_only" -eq 1 ]; then
  echo "image/manifest.lock versus what the archive serves today ($mirror, $(date -u +%F)):"
  if [ -n "$drift" ]; then sed 's/^/  /' <<<"$drift"; else echo "  no drift"; fi
  echo "  $summary"
  exit 0
fi
[ -n "$drift" ] && echo "$drift"
{
  echo "# Resolved package manifest of the Balie terminal image (bookworm): what image/build.sh installs."
  if [ "$latest" -eq 1 ]; then
    echo "# Every package at the archive's current version (--latest). Generated by image/resolve-manifest.sh."
  else
    echo "# image/manifest.lock's versions where the archive still has them, else its current ones."
    echo "# Generated by image/resolve-manifest.sh."
  fi
  echo "# Fields: package version architecture."
  echo "$resolved_body"
} > "$out/manifest.resolved.tmp"
mv "$out/manifest.resolved.tmp" "$out/manifest.resolved"
echo "$summary -> $out/manifest.resolved"
