#!/usr/bin/env bash
# The one-command demo (make demo): a local control plane, registry and Git
# server with imagepin pinning a Deployment's Pods; see hack/demo/main.go.
# It builds what is missing (hack/components.sh, while the demo and imagepin
# compile), prints a report, and runs until Ctrl-C.
#
# Built and exec'd rather than `go run`: on Ctrl-C, `go run` itself exits 1
# (make then reports an error) even when the demo has cleaned up and exited 0.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=hack/lib.sh
. hack/lib.sh

# compile builds the demo and, as the Dockerfile does, imagepin. The same
# flags for both (static, trimmed) let them share every compiled package.
compile() {
  echo "compiling the demo and imagepin (about 4 min on a cold 2-core machine, seconds afterwards) ..." >&2
  mkdir -p bin
  CGO_ENABLED=0 quietly bin/.demo-build.log go build -trimpath -o bin/demo ./hack/demo
  quietly bin/.demo-build.log hack/build-image-binary.sh
}

echo "imagepin demo: building what this machine lacks (only the first time) ..."
spawn compile
components=$(hack/components.sh)
await
eval "$components"
export IMAGEPIN_BINARY=$PWD/bin/imagepin
# The demo stops when make, our parent, dies; it refuses to start when make
# died while we were building (see hack/demo/parent_linux.go).
IMAGEPIN_DEMO_PARENT=$PPID exec bin/demo "$@"
