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
# shellcheck source=hack/lib.sh
. "$root/hack/lib.sh"
dir="$cache/registry-$REGISTRY_VERSION"
bin="$dir/registry"

lock "$dir"

if [ ! -x "$bin" ]; then
  building "registry $REGISTRY_VERSION" 4
  tmp="$bin.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  (cd "$root/hack/tools/registry" &&
    GOFLAGS=-mod=readonly CGO_ENABLED=0 \
      quietly "$dir/build.log" go build -trimpath -o "$tmp" github.com/distribution/distribution/v3/cmd/registry)
  mv -f "$tmp" "$bin"
  built registry
fi

echo "$bin"
