#!/bin/bash
# Opt-in lint of sync/openapi.yaml (not part of the test command; needs npm and network):
# swagger-cli validate, then Spectral with the NL API Design Rules ruleset (Logius/Geonovum).
#   scripts/lint-openapi.sh [RULESET]   RULESET: a file or URL (default: the ruleset developer.overheid.nl
#                                       publishes). Tools go into a temporary folder, never into the repo;
#                                       BALIE_LINT_TOOLS=DIR reuses a folder where they are installed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
spec="$here/sync/openapi.yaml"
ruleset=${1:-https://static.developer.overheid.nl/adr/ruleset.yaml}
tools=${BALIE_LINT_TOOLS:-}
if [ -z "$tools" ]; then
  tools=$(mktemp -d)
  trap 'rm -rf "$tools"' EXIT
fi
if [ ! -x "$tools/node_modules/.bin/spectral" ] || [ ! -x "$tools/node_modules/.bin/swagger-cli" ]; then
  npm install --no-audit --no-fund --prefix "$tools" @apidevtools/swagger-cli @stoplight/spectral-cli >&2
fi
if [[ "$ruleset" == http* ]]; then
  curl -sfL -o "$tools/adr-ruleset.yaml" "$ruleset" || { echo "lint-openapi: cannot download $ruleset" >&2; exit 1; }
  ruleset="$tools/adr-ruleset.yaml"
fi
"$tools/node_modules/.bin/swagger-cli" validate "$spec"
"$tools/node_modules/.bin/spectral" lint --fail-severity warn -r "$ruleset" "$spec"
