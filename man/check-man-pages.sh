#!/bin/bash
# Checks one manual page against its program (a ctest test per page, man/CMakeLists.txt): the page
# renders with groff and man-db without a single warning, and every flag the program's real --help
# prints (--word) appears in the page. Usage: check-man-pages.sh PAGE PROGRAM
set -euo pipefail
page=$1 program=$2
name=$(basename "$page")
fail() { echo "check-man-pages: $name: $*" >&2; exit 1; }
command -v groff >/dev/null || fail "groff is not installed (groff-base, scripts/packages.txt)"
command -v man >/dev/null || fail "man is not installed (man-db, scripts/packages.txt)"
[ -f "$page" ] || fail "no such page"
[ -x "$program" ] || fail "program $program is not built"

warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1) || fail "groff failed: $warnings"
[ -z "$warnings" ] || fail "groff warnings: $warnings"
for width in 60 80 120; do
  warnings=$(MANWIDTH=$width LC_ALL=C.UTF-8 man --warnings -l "$page" 2>&1 >/dev/null) || fail "man -l failed"
  [ -z "$warnings" ] || fail "man -l warnings at width $width: $warnings"
done

help=$("$program" --help) || fail "$program --help exited $?"
flags=$(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u)
[ -n "$flags" ] || fail "$program --help printed no flags (expected at least --help)"
# The page's source with troff's escaped hyphens as plain ones, and the page as rendered.
source_text=$(sed 's/\\-/-/g' "$page")
rendered=$(MANWIDTH=200 LC_ALL=C.UTF-8 man -l "$page" 2>/dev/null | col -b 2>/dev/null || true)
missing=()
for f in $flags; do
  grep -qE -- "(^|[^a-z0-9-])$f([^a-z0-9-]|$)" <<<"$source_text" || { missing+=("$f"); continue; }
  grep -qF -- "$f" <<<"$rendered" || missing+=("$f (in the source, not in the rendered page)")
done
[ ${#missing[@]} -eq 0 ] || fail "flags of '$(basename "$program") --help' missing from the page: ${missing[*]}"
echo "check-man-pages: $name: no warnings; $(wc -w <<<"$flags") flags of --help documented"
