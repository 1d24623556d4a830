# syntax=docker/dockerfile:1
# imagepin: a static binary on distroless, running as non-root.
# Build: docker build --build-arg VERSION=v0.1.0 -t imagepin .
# hack/build-image-binary.sh runs the same go build as the builder stage
# (and the tests run it), since there is no Docker engine in CI.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS builder
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN VERSION=${VERSION} GOOS=${TARGETOS} GOARCH=${TARGETARCH} OUT=/out/imagepin hack/build-image-binary.sh

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /out/imagepin /usr/local/bin/imagepin
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/imagepin"]
CMD ["manager"]
