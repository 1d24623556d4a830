#!/usr/bin/env bash
# The one-command demo (make demo): a local control plane, registry and Git
# server with imagepin pinning a Deployment's Pods; see hack/demo/main.go.
# It builds what is missing, prints a report, and runs until Ctrl-C.
#
# Built and exec'd rather than `go run`: on Ctrl-C, `go run` itself exits 1
# (make then reports an error) even when the demo has cleaned up and exited 0.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/demo ./hack/demo
exec bin/demo "$@"
