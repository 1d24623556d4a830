#!/usr/bin/env bash
# Builds kwok (sigs.k8s.io/kwok), which plays the kubelets of fake Nodes in
# the tests and the demo, from the Go module proxy into a cache folder outside
# the checkout, keyed by version, and prints the binary's path as the last
# line of stdout (progress goes to stderr). Next to the binary it writes
# stages.yaml: the Stage documents of the kwok module's kustomize/stage/node/fast,
# node/heartbeat-with-lease and pod/fast folders, which kwok reads with
# --config (without stages it exits with "no stages found"). They are copied
# from the module cache at build time so that a run needs neither go nor the
# module cache. Whatever exists already is not rebuilt.
#
# Usage: hack/kwok.sh
set -euo pipefail

KWOK_VERSION=v0.8.0
# The Stage folders of the kwok module that make up stages.yaml.
STAGES="node/fast node/heartbeat-with-lease pod/fast"

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
. "$root/hack/lib.sh"
dir="$cache/kwok-$KWOK_VERSION"
bin="$dir/kwok"
stages="$dir/stages.yaml"

lock "$dir"
export GOFLAGS=-mod=mod CGO_ENABLED=0

if [ ! -x "$bin" ]; then
  building "kwok $KWOK_VERSION" 6
  rm -rf "$dir/.tmp"
  GOBIN="$dir/.tmp" quietly "$dir/build.log" go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv -f "$dir/.tmp/kwok" "$bin"
  rmdir "$dir/.tmp"
  built kwok
fi

if [ ! -s "$stages" ]; then
  # go mod download prints the module's folder in the module cache (and
  # downloads the module if the cache lost it).
  mod=$(cd "$dir" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  if [ ! -d "$mod/kustomize/stage" ]; then
    echo "kwok module folder not found (go mod download printed '$mod')" >&2
    exit 1
  fi
  tmp="$stages.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  : >"$tmp"
  for s in $STAGES; do
    # Each folder's kustomization.yaml lists its Stage files as resources.
    for f in $(sed -n 's/^- \(.*\.yaml\)$/\1/p' "$mod/kustomize/stage/$s/kustomization.yaml"); do
      { echo "---"; echo "# kwok $KWOK_VERSION kustomize/stage/$s/$f"; cat "$mod/kustomize/stage/$s/$f"; } >>"$tmp"
    done
  done
  if [ "$(grep -c '^kind: Stage$' "$tmp")" -lt 5 ]; then
    echo "expected at least 5 kwok Stages in $STAGES, found:" >&2
    grep -A2 '^kind:' "$tmp" >&2 || true
    exit 1
  fi
  mv -f "$tmp" "$stages"
fi

echo "$bin"
