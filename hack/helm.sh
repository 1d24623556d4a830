#!/usr/bin/env bash
# Builds Helm from the Go module proxy into a cache folder outside the
# checkout, keyed by version, and prints the binary's path as its last line.
# An existing binary is not rebuilt.
set -euo pipefail

HELM_VERSION=v4.3.1

cache=${IMAGEPIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/imagepin}
dir="$cache/helm-$HELM_VERSION"
bin="$dir/helm"

mkdir -p "$dir"
if command -v flock >/dev/null; then
  exec 9>"$dir/.lock"
  flock 9
fi

if [ ! -x "$bin" ]; then
  echo "building helm $HELM_VERSION into $dir ..." >&2
  start=$SECONDS
  GOBIN="$dir/.tmp" CGO_ENABLED=0 GOFLAGS=-mod=mod go install -trimpath "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  mv -f "$dir/.tmp/helm" "$bin"
  rmdir "$dir/.tmp"
  echo "built helm in $((SECONDS - start))s" >&2
fi

echo "$bin"
