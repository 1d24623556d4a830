#!/usr/bin/env bash
# Builds the imagepin binary exactly as the Dockerfile's builder stage does:
# static (no cgo), trimmed paths, version stamped. Used by the Dockerfile and
# by the test that proves the image's binary builds without Docker.
#
# Environment: VERSION (default dev), OUT (default bin/imagepin), GOOS, GOARCH.
set -euo pipefail
cd "$(dirname "$0")/.."
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X main.version=${VERSION:-dev}" \
  -o "${OUT:-bin/imagepin}" ./cmd/imagepin
echo "${OUT:-bin/imagepin}"
