#!/usr/bin/env bash
# Builds the control-plane binaries that the tests run (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl) from Go modules into a cache folder outside
# the checkout, keyed by version, and prints that folder. Binaries that are
# already there are not rebuilt. Point KUBEBUILDER_ASSETS at the printed folder.
#
# Usage: hack/controlplane.sh [--print-dir]
set -euo pipefail

K8S_VERSION=v1.35.4
ETCD_VERSION=v3.6.8

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${IMAGEPIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/imagepin}
# RECIPE changes whenever the build itself changes, so caches rebuild.
RECIPE=2
dir="$cache/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-r$RECIPE"

if [ "${1:-}" = "--print-dir" ]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$dir"
# Serialise builds: test packages running in parallel on a cold cache would
# otherwise each spend minutes building the same binaries.
if command -v flock >/dev/null; then
  exec 9>"$dir/.lock"
  flock 9
fi
export GOFLAGS=-mod=mod CGO_ENABLED=0

# The API server reports this version (Helm checks kubeVersion against it);
# a plain go build would say v0.0.0-master.
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"

build() { # module-dir binary package [ldflags]
  local mod=$1 bin=$2 pkg=$3 ldflags=${4:-}
  if [ -x "$dir/$bin" ]; then return; fi
  echo "building $bin ($pkg) into $dir ..." >&2
  local start=$SECONDS
  (cd "$root/hack/tools/$mod" && go build -trimpath -ldflags "$ldflags" -o "$dir/$bin.tmp" "$pkg")
  mv "$dir/$bin.tmp" "$dir/$bin"
  echo "built $bin in $((SECONDS - start))s" >&2
}

build etcd etcd go.etcd.io/etcd/server/v3
build controlplane kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build controlplane kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build controlplane kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$k8s_ldflags"
build controlplane kubectl k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"

echo "$dir"
