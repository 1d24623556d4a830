#!/usr/bin/env bash
# Builds the CNCF Distribution registry that the integration and end-to-end
# tests run as a real process, into a cache folder outside the checkout keyed by
# version, and prints the binary's path as the last line of stdout (progress
# goes to stderr). An existing binary is not rebuilt.
#
# Usage: hack/registry.sh
set -euo pipefail

# Must match the version required in hack/tools/registry/go.mod.
REGISTRY_VERSION=v3.1.2

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${IMAGEPIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/imagepin}
dir="$cache/registry-$REGISTRY_VERSION"
bin="$dir/registry"

mkdir -p "$dir"
# Serialise builds: test packages running in parallel on a cold cache would
# otherwise each spend minutes building the same binary.
if command -v flock >/dev/null; then
  exec 9>"$dir/.lock"
  flock 9
fi

if [ ! -x "$bin" ]; then
  echo "building registry $REGISTRY_VERSION into $dir ..." >&2
  start=$SECONDS
  tmp="$bin.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  (cd "$root/hack/tools/registry" &&
    GOFLAGS=-mod=readonly CGO_ENABLED=0 \
      go build -trimpath -o "$tmp" github.com/distribution/distribution/v3/cmd/registry)
  mv -f "$tmp" "$bin"
  echo "built registry in $((SECONDS - start))s" >&2
fi

echo "$bin"
