package webhook_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/webhook"
)

// Digests that policies in the tests pin to.
const (
	nginxDigest = "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"
	olderDigest = "sha256:5e8b0ff0cd3ba3bd1b5ab44a3c8a9f5b8e8d2b8c7f4a1e2d3c4b5a6978695a4b"
)

// world is the cluster the handler tests see through the cache: an
// enabled, a strict and an unlabelled namespace, labelled system and
// imagepin namespaces (which must be ignored), and policies for nginx and
// for the test registry's team/app.
func world(host string) []client.Object {
	return []client.Object{
		namespace("apps", v1alpha1.PinningEnabled),
		namespace("secure", v1alpha1.PinningStrict),
		namespace("plain", ""),
		namespace("other", v1alpha1.PinningEnabled),
		namespace("kube-system", v1alpha1.PinningStrict),
		namespace(own, v1alpha1.PinningStrict),
		imagePolicy("apps", "web", "nginx", "nginx:1.25.3@"+nginxDigest),
		imagePolicy("apps", "zz-web", "docker.io/library/nginx", "nginx:1.24.0@"+olderDigest), // loses to "web" by name
		imagePolicy("apps", "app", host+"/team/app", ""),                                      // no status.current yet
		imagePolicy("secure", "web", "index.docker.io/library/nginx", "nginx:1.25.3@"+nginxDigest),
		imagePolicy("other", "tool", host+"/team/tool", host+"/team/tool:9.9@"+olderDigest), // another namespace's
	}
}

// TestHandleGolden runs every AdmissionReview of testdata/ through the
// handler and compares the response with its golden file. Cases that must
// not reach a registry get a resolver that fails the test when called; the
// others resolve against a real in-process registry.
func TestHandleGolden(t *testing.T) {
	reg := startRegistry(t, "")
	for _, tag := range []string{"v1", "v2", "latest"} {
		reg.push(t, "team/app", tag)
	}
	reg.push(t, "team/tool", "1.0")
	cache := fakeCache(t, world(reg.host)...)
	res := newResolver(t)

	tests := map[string]struct {
		registry bool   // may call the registry
		request  string // testdata/<request>.json; the test's name when empty
		mode     string // served at MutatePodsPathFor(mode); MutatePodsPath when empty
	}{
		"create-governed":        {},
		"create-governed-strict": {},
		"create-resolved":        {registry: true},
		"create-digested":        {},
		"create-mixed":           {registry: true},
		"strict-deny":            {registry: true},
		"enabled-warning":        {registry: true},
		"exempt-kube-system":     {},
		"exempt-own-namespace":   {},
		"unlabelled-namespace":   {},
		"pod-disabled":           {},
		"update-unchanged":       {},
		"update-image-changed":   {registry: true},
		"reinvocation":           {registry: true},
		"ephemeral-containers":   {registry: true},
		"status-update":          {},
		"unknown-kind":           {},
		"delete":                 {},
		"malformed-object":       {},
		"invalid-images-enabled": {},
		"invalid-images-strict":  {},
		// The per-mode paths that the chart's webhooks call.
		"malformed-object.enabled-path":      {request: "malformed-object", mode: v1alpha1.PinningEnabled},
		"enabled-warning.enabled-path":       {request: "enabled-warning", mode: v1alpha1.PinningEnabled, registry: true},
		"strict-deny.strict-path":            {request: "strict-deny", mode: v1alpha1.PinningStrict, registry: true},
		"create-governed-strict.strict-path": {request: "create-governed-strict", mode: v1alpha1.PinningStrict},
		"exempt-kube-system.strict-path":     {request: "exempt-kube-system", mode: v1alpha1.PinningStrict},
		"unlabelled-namespace.enabled-path":  {request: "unlabelled-namespace", mode: v1alpha1.PinningEnabled, registry: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var digests webhook.DigestResolver = refuse{t}
			if tc.registry {
				digests = res
			}
			metrics := prometheus.NewRegistry()
			h, err := webhook.NewPodHandler(own, cache, digests, webhook.WithRegisterer(metrics))
			if err != nil {
				t.Fatal(err)
			}
			if tc.request == "" {
				tc.request = name
			}
			req := loadRequest(t, tc.request, reg.host)
			resp := h.ForMode(tc.mode).Handle(t.Context(), req)
			applyPatch(t, req.Object.Raw, resp)
			checkGolden(t, name, reg.host, newGolden(countedResult(t, metrics), resp))
		})
	}
}
