#!/usr/bin/env bash
# Provides every real component that the tests and the demo run -- the
# control plane (hack/controlplane.sh), kwok (hack/kwok.sh), the registry
# (hack/registry.sh) and helm (hack/helm.sh) -- building what is missing side
# by side, one progress line per component on stderr. On stdout it prints
# the environment that points the tests and the demo at them, for eval:
#
#   export KUBEBUILDER_ASSETS=... IMAGEPIN_KWOK_BIN=... IMAGEPIN_REGISTRY_BIN=...
#
# Variables that are set already are kept (hack/controlplane.sh says how it
# uses KUBEBUILDER_ASSETS). IMAGEPIN_PARALLEL_BUILDS=off builds one after the
# other.
#
# Usage: eval "$(hack/components.sh)"
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
. "$root/hack/lib.sh"

out=$(mktemp -d)
clean_up() {
  local rc=$?
  wait
  rm -rf "$out"
  exit "$rc"
}
trap clean_up EXIT

# provide SCRIPT: runs hack/SCRIPT.sh, keeping the path it prints.
provide() {
  "$root/hack/$1.sh" >"$out/$1"
}

# The control plane first: it is the longest.
spawn provide controlplane
if [ -z "${IMAGEPIN_KWOK_BIN:-}" ]; then
  spawn provide kwok
fi
if [ -z "${IMAGEPIN_REGISTRY_BIN:-}" ]; then
  spawn provide registry
fi
spawn provide helm
await

# path SCRIPT: the last line that hack/SCRIPT.sh printed.
path() {
  tail -n 1 "$out/$1"
}

printf 'export KUBEBUILDER_ASSETS=%q IMAGEPIN_KWOK_BIN=%q IMAGEPIN_REGISTRY_BIN=%q\n' \
  "$(path controlplane)" "${IMAGEPIN_KWOK_BIN:-$(path kwok)}" "${IMAGEPIN_REGISTRY_BIN:-$(path registry)}"
