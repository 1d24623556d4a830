#!/usr/bin/env bash
# Checks that the documentation names what the code has (make verify-docs,
# run by make test):
#
#   - the flags of `imagepin manager --help` and the flag tables of the
#     `imagepin manager` sections of docs/design.md and README.md;
#   - the imagepin_* metric names in the code (non-test Go files) and the
#     tables of the Metrics sections of both files;
#   - the condition reasons of policy/api/v1alpha1/conditions.go and the
#     "Conditions and reasons" table of docs/design.md.
#
# Each difference is printed; the script fails when there is one.
#
# Usage: hack/verify-docs.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# section FILE HEADING: the lines of FILE from the line HEADING up to the
# next heading of the same or a higher level.
section() {
  awk -v h="$2" '
    $0 == h { on = 1; level = index(h, " "); next }
    on && /^#+ / && index($0, " ") <= level { exit }
    on { print }
  ' "$1"
}

# first_cells: the first cell of each table row on stdin.
first_cells() {
  awk -F'|' '/^\|/ && NF > 2 { print $2 }'
}

# compare WHAT CODE DOCS NAME: prints the names that only one side has;
# fails when there are any.
compare() {
  local what=$1 code=$2 docs=$3 name=$4 rc=0 only
  only=$(comm -23 "$code" "$docs" | tr '\n' ' ')
  if [ -n "$only" ]; then
    echo "$name lacks $what that the code has: $only"
    rc=1
  fi
  only=$(comm -13 "$code" "$docs" | tr '\n' ' ')
  if [ -n "$only" ]; then
    echo "$name names $what that the code does not have: $only"
    rc=1
  fi
  return $rc
}

failed=0

go build -o "$tmp/imagepin" ./cmd/imagepin
"$tmp/imagepin" manager --help |
  grep -oE '^ +(-[a-z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9][a-z0-9-]*' |
  grep -vx -- '--help' | sort -u >"$tmp/flags"
# shellcheck disable=SC2016 # the headings hold backquotes, not commands
for doc in docs/design.md README.md; do
  heading='### `imagepin manager`'
  [ "$doc" = README.md ] && heading='## `imagepin manager`'
  section "$doc" "$heading" | first_cells | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u >"$tmp/doc-flags"
  compare "flags" "$tmp/flags" "$tmp/doc-flags" "$doc ($heading)" || failed=1
done

git grep -hoE '"imagepin_[a-z0-9_]+"' -- '*.go' ':!*_test.go' ':!e2e/' ':!hack/' |
  tr -d '"' | sort -u >"$tmp/metrics"
for doc in docs/design.md README.md; do
  section "$doc" '## Metrics' | first_cells | grep -oE 'imagepin_[a-z0-9_]+' | sort -u >"$tmp/doc-metrics"
  compare "metrics" "$tmp/metrics" "$tmp/doc-metrics" "$doc (## Metrics)" || failed=1
done

grep -oE '^\s*Reason[A-Za-z]+ += "[A-Za-z]+"' policy/api/v1alpha1/conditions.go |
  grep -oE '"[A-Za-z]+"' | tr -d '"' | sort -u >"$tmp/reasons"
# shellcheck disable=SC2016 # backquotes of Markdown, not commands
section docs/design.md '### Conditions and reasons' | grep -oE '`[A-Za-z]+`' | tr -d '`' | sort -u >"$tmp/doc-words"
only=$(comm -23 "$tmp/reasons" "$tmp/doc-words" | tr '\n' ' ')
if [ -n "$only" ]; then
  echo "docs/design.md (### Conditions and reasons) lacks reasons that the code has: $only"
  failed=1
fi

if [ "$failed" = 1 ]; then
  echo "update docs/design.md and README.md to match the code"
  exit 1
fi
