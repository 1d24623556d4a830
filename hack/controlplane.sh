#!/usr/bin/env bash
# Provides the control-plane binaries that the tests and the demo run (etcd,
# kube-apiserver, kubectl, kube-controller-manager, kube-scheduler) in one
# folder, and prints that folder as the last line of stdout (progress goes to
# stderr): point KUBEBUILDER_ASSETS at it. Each binary comes from the first
# of these that has it:
#
#  1. $KUBEBUILDER_ASSETS, when set: a folder that holds all five is printed
#     as it is; from one that holds some (setup-envtest's holds etcd,
#     kube-apiserver and kubectl), those are used and the rest is added.
#  2. For etcd, kube-apiserver and kubectl, when $KUBEBUILDER_ASSETS is not
#     set: controller-runtime's setup-envtest, which downloads envtest's
#     archive of Kubernetes $ENVTEST_K8S_VERSION, as kubebuilder projects do
#     (IMAGEPIN_SETUP_ENVTEST=off skips it). Without network access it fails
#     within seconds, and one line says so.
#  3. Built from Go modules (hack/tools/controlplane, hack/tools/etcd) into a
#     cache folder outside the checkout, keyed by version; always for
#     kube-controller-manager and kube-scheduler, which envtest's archive
#     lacks. What the cache holds is not rebuilt.
#
# When binaries come from 1. or 2., the printed folder is one of symbolic
# links to them and to the built ones.
#
# Usage: hack/controlplane.sh [--print-dir]   (--print-dir: the build folder)
set -euo pipefail

K8S_VERSION=v1.35.4
ETCD_VERSION=v3.6.8
# setup-envtest's version selector: the newest 1.35 patch release it offers.
ENVTEST_K8S_VERSION=1.35.x
SETUP_ENVTEST_VERSION=v0.25.1
# The host of setup-envtest's index (its --index default).
ENVTEST_INDEX_HOST=raw.githubusercontent.com
# How long setup-envtest may take to fetch its index and archive (~60 MB).
SETUP_ENVTEST_TIMEOUT=${IMAGEPIN_SETUP_ENVTEST_TIMEOUT:-120}

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
. "$root/hack/lib.sh"
# RECIPE changes whenever the build itself changes, so caches rebuild.
RECIPE=2
dir="$cache/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-r$RECIPE"

ENVTEST_BINARIES=(etcd kube-apiserver kubectl)
K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
ALL_BINARIES=(etcd "${K8S_BINARIES[@]}")

if [ "${1:-}" = "--print-dir" ]; then
  echo "$dir"
  exit 0
fi

# has FOLDER BINARY...: whether FOLDER holds every BINARY.
has() {
  local folder=$1 b
  shift
  for b in "$@"; do
    [ -x "$folder/$b" ] || return 1
  done
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && has "$KUBEBUILDER_ASSETS" "${ALL_BINARIES[@]}"; then
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

lock "$dir"
export GOFLAGS=-mod=mod CGO_ENABLED=0

# envtest_assets prints the folder of setup-envtest's etcd, kube-apiserver and
# kubectl, downloading them when its store lacks them; it fails, with one
# line, when it cannot. setup-envtest itself is built into the cache.
envtest_assets() {
  local tool="$cache/setup-envtest-$SETUP_ENVTEST_VERSION" log="$cache/setup-envtest.log" path
  if [ "${IMAGEPIN_SETUP_ENVTEST:-}" = off ]; then
    return 1
  fi
  # What it fetched before serves offline.
  if [ -x "$tool/setup-envtest" ] &&
    path=$("$tool/setup-envtest" use -i "$ENVTEST_K8S_VERSION" --bin-dir "$cache/envtest" -p path 2>/dev/null) &&
    has "$path" "${ENVTEST_BINARIES[@]}"; then
    echo "$path"
    return 0
  fi
  # Without a route to its index, setup-envtest cannot work: spend no build
  # on it. (Behind a proxy, only setup-envtest itself can tell.)
  if [ -z "${HTTPS_PROXY:-${https_proxy:-}}" ] &&
    ! timeout 10 bash -c "exec 3<>/dev/tcp/$ENVTEST_INDEX_HOST/443" 2>/dev/null; then
    echo "setup-envtest cannot reach $ENVTEST_INDEX_HOST (no network?): building etcd, kube-apiserver and kubectl from Go modules instead" >&2
    return 1
  fi
  echo "fetching etcd, kube-apiserver and kubectl with setup-envtest $SETUP_ENVTEST_VERSION (Kubernetes $ENVTEST_K8S_VERSION) ..." >&2
  if { [ -x "$tool/setup-envtest" ] ||
    GOBIN="$tool" go install "sigs.k8s.io/controller-runtime/tools/setup-envtest@$SETUP_ENVTEST_VERSION"; } >"$log" 2>&1 &&
    path=$(timeout "$SETUP_ENVTEST_TIMEOUT" "$tool/setup-envtest" use "$ENVTEST_K8S_VERSION" \
      --bin-dir "$cache/envtest" -p path 2>>"$log") &&
    has "$path" "${ENVTEST_BINARIES[@]}"; then
    echo "$path"
    return 0
  fi
  echo "setup-envtest could not fetch them (see $log): building them from Go modules instead" >&2
  return 1
}

# The API server reports this version (Helm checks kubeVersion against it);
# a plain go build would say v0.0.0-master.
minor=${K8S_VERSION#v1.}
minor=${minor%%.*}
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"

# build_etcd builds etcd from its module.
build_etcd() {
  building "etcd $ETCD_VERSION" 3
  (cd "$root/hack/tools/etcd" && quietly "$dir/etcd.log" go build -trimpath -o "$dir/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv -f "$dir/etcd.tmp" "$dir/etcd"
  built etcd
}

# build_k8s BINARY...: builds the Kubernetes binaries in one go build, which
# compiles the packages they share once and links them in parallel.
build_k8s() {
  local tmp="$dir/.tmp" b pkgs=() names=""
  for b in "$@"; do
    pkgs+=("k8s.io/kubernetes/cmd/$b")
    names+="${names:+, }$b"
  done
  building "$names $K8S_VERSION in one go build" 12
  rm -rf "$tmp" && mkdir -p "$tmp"
  (cd "$root/hack/tools/controlplane" && quietly "$dir/kubernetes.log" go build -trimpath -ldflags "$k8s_ldflags" -o "$tmp/" "${pkgs[@]}")
  for b in "$@"; do
    mv -f "$tmp/$b" "$dir/$b"
  done
  rmdir "$tmp"
  built "$names"
}

# missing BINARY...: prints those that neither $ext nor the build folder has.
missing() {
  local b
  for b in "$@"; do
    if ! { [ -n "$ext" ] && has "$ext" "$b"; } && ! has "$dir" "$b"; then
      echo "$b"
    fi
  done
}

ext=""
if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  ext=$(cd "$KUBEBUILDER_ASSETS" 2>/dev/null && pwd) || {
    echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS is not a folder" >&2
    exit 1
  }
elif ! has "$dir" "${ENVTEST_BINARIES[@]}"; then
  ext=$(envtest_assets) || ext=""
fi

# etcd is a module of its own: it builds while the Kubernetes binaries do.
if [ -n "$(missing etcd)" ]; then
  spawn build_etcd
fi
mapfile -t k8s < <(missing "${K8S_BINARIES[@]}")
if [ ${#k8s[@]} -gt 0 ]; then
  spawn build_k8s "${k8s[@]}"
fi
await

if [ -z "$ext" ]; then
  echo "$dir"
  exit 0
fi
# One folder for envtest: links to what $ext has, and to the built rest.
linked="$dir-with-$(printf %s "$ext" | cksum | cut -d' ' -f1)"
mkdir -p "$linked"
for b in "${ALL_BINARIES[@]}"; do
  if has "$ext" "$b"; then
    ln -sfn "$ext/$b" "$linked/$b"
  else
    ln -sfn "$dir/$b" "$linked/$b"
  fi
done
echo "$linked"
