#!/usr/bin/env bash
# Prints the path of a Helm $HELM_VERSION binary as the last line of stdout
# (progress goes to stderr): the `helm` on PATH when it is that version,
# otherwise one built from the Go module proxy into a cache folder outside
# the checkout, keyed by version. An existing binary is not rebuilt.
set -euo pipefail

HELM_VERSION=v4.3.1

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
. "$root/hack/lib.sh"

if path=$(command -v helm) && [ "$(helm version --template '{{.Version}}' 2>/dev/null)" = "$HELM_VERSION" ]; then
  echo "$path"
  exit 0
fi

dir="$cache/helm-$HELM_VERSION"
bin="$dir/helm"
lock "$dir"

if [ ! -x "$bin" ]; then
  building "helm $HELM_VERSION" 8
  rm -rf "$dir/.tmp"
  GOBIN="$dir/.tmp" CGO_ENABLED=0 GOFLAGS=-mod=mod quietly "$dir/build.log" go install -trimpath "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  mv -f "$dir/.tmp/helm" "$bin"
  rmdir "$dir/.tmp"
  built helm
fi

echo "$bin"
