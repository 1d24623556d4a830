# imagepin build, code generation and tests. `make help` lists the targets.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

CONTROLLER_TOOLS_VERSION ?= v0.21.0
CRD_REF_DOCS_VERSION ?= v0.3.0
STATICCHECK_VERSION ?= v0.8.2
BIN := $(CURDIR)/bin
CONTROLLER_GEN := $(BIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
CRD_REF_DOCS := $(BIN)/crd-ref-docs-$(CRD_REF_DOCS_VERSION)
STATICCHECK := $(BIN)/staticcheck-$(STATICCHECK_VERSION)
GO_TEST_FLAGS ?= -race -count=1 -timeout=30m

# Generated files: CI fails when `make generate` changes them.
GENERATED := policy/api/v1alpha1/zz_generated.deepcopy.go charts/imagepin/crds docs/api.md

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build bin/imagepin as the Dockerfile does (VERSION=... to stamp a version).
	OUT=$(BIN)/imagepin hack/build-image-binary.sh

.PHONY: generate
generate: $(CONTROLLER_GEN) $(CRD_REF_DOCS) ## Regenerate deepcopy code, the CRD and the API reference (docs/api.md).
	$(CONTROLLER_GEN) object paths=./policy/api/...
	$(CONTROLLER_GEN) crd paths=./policy/api/... output:crd:artifacts:config=charts/imagepin/crds
	$(CRD_REF_DOCS) --log-level=ERROR --renderer=markdown --source-path=policy/api/v1alpha1 \
	  --config=hack/crd-ref-docs/config.yaml --templates-dir=hack/crd-ref-docs/templates --output-path=docs/api.md

.PHONY: verify-generate
verify-generate: generate ## Fail when generated files differ from the committed ones.
	@if [ -n "$$(git status --porcelain -- $(GENERATED))" ]; then \
	  echo "generated files are out of date; run 'make generate' and commit:"; \
	  git status --porcelain -- $(GENERATED); git diff -- $(GENERATED) | head -50 || true; exit 1; fi

.PHONY: verify-docs
verify-docs: ## Fail when docs/design.md or README.md lack a flag, metric or condition reason of the code (or name one it lacks).
	hack/verify-docs.sh

.PHONY: lint
lint: staticcheck ## gofmt check, go vet, staticcheck, the darwin build, and no binary linking testing.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	GOOS=darwin go build ./...
	GOOS=darwin go vet ./e2e/... ./hack/... ./internal/...
	@if go list -deps ./hack/demo ./cmd/... | grep -qx testing; then echo "a binary links the testing package"; exit 1; fi

.PHONY: staticcheck
staticcheck: $(STATICCHECK) ## Run staticcheck with staticcheck.conf.
	$(STATICCHECK) ./...

.PHONY: components
components: ## Fetch or build the control plane, kwok, the registry and helm into the cache; print their environment.
	hack/components.sh

.PHONY: controlplane
controlplane: components ## Same as components.

.PHONY: test
test: verify-generate verify-docs lint ## Everything CI runs: generated-code and docs checks, lint, all tests against a real control plane.
	components=$$(hack/components.sh); eval "$$components"; go test $(GO_TEST_FLAGS) ./...

.PHONY: demo
demo: ## Run imagepin on a local control plane, registry and Git server (Ctrl-C ends it).
	hack/demo.sh

$(CONTROLLER_GEN):
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(BIN)/controller-gen $@

$(STATICCHECK):
	GOBIN=$(BIN) GOFLAGS=-mod=mod go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(BIN)/staticcheck $@

$(CRD_REF_DOCS):
	GOBIN=$(BIN) go install github.com/elastic/crd-ref-docs@$(CRD_REF_DOCS_VERSION)
	mv $(BIN)/crd-ref-docs $@
