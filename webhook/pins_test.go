package webhook_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/resolver"
	"github.com/imagepin/imagepin/webhook"
)

// handle runs one Pod CREATE with a single container "app" of image in
// namespace through h.
func handle(t *testing.T, h *webhook.PodHandler, namespace, image string) admission.Response {
	t.Helper()
	raw := podJSON(t, namespace, 1, func(int) string { return image })
	return h.Handle(t.Context(), admission.Request{AdmissionRequest: *podRequest(namespace, raw)})
}

// TestInvalidImages checks that an image string that is no reference is
// named in a warning (enabled) or in the denial (strict), never resolved.
func TestInvalidImages(t *testing.T) {
	h, err := webhook.NewPodHandler(own, fakeCache(t, world("127.0.0.1:1")...), refuse{t})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		image, reason string
	}{
		"empty":           {image: "", reason: "repository name must be specified"},
		"upper case":      {image: "Team/App:1", reason: "repository can only contain"},
		"empty tag":       {image: "nginx:", reason: "must specify a tag name"},
		"short digest":    {image: "nginx@sha256:abc", reason: "invalid checksum digest length"},
		"bad algorithm":   {image: "nginx@md5:0123", reason: "unsupported digest algorithm"},
		"two digests":     {image: "nginx@sha256:a@sha256:b", reason: "invalid image reference"},
		"spaces":          {image: "my app:1", reason: "repository can only contain"},
		"newline":         {image: "nginx:1\nX-Evil: 1", reason: "tag can only contain"},
		"scheme":          {image: "https://registry.example/app:1", reason: "registry https: has an invalid port"},
		"very long tag":   {image: "nginx:" + strings.Repeat("a", 200), reason: "tag must be between 1 and 128 characters"},
		"unicode":         {image: "nginx:ünïcode", reason: "tag can only contain"},
		"only a colon":    {image: ":", reason: "invalid image reference"},
		"trailing slash":  {image: "registry.example/", reason: "invalid image reference"},
		"empty port":      {image: "registry.example:/app:1", reason: "invalid port"},
		"empty component": {image: "registry.example//app:1", reason: "empty path component"},
		"leading slash":   {image: "/app:1", reason: "invalid image reference"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			quoted := fmt.Sprintf("%q", tc.image)
			resp := handle(t, h, "apps", tc.image)
			if !resp.Allowed || len(resp.Patches) != 0 || len(resp.Warnings) != 1 {
				t.Fatalf("enabled: allowed=%v patches=%v warnings=%q, want admitted unchanged with one warning", resp.Allowed, resp.Patches, resp.Warnings)
			}
			for _, want := range []string{`container "c0"`, quoted, tc.reason} {
				if !strings.Contains(resp.Warnings[0], want) {
					t.Errorf("enabled: warning %q does not contain %q", resp.Warnings[0], want)
				}
			}
			resp = handle(t, h, "secure", tc.image)
			if resp.Allowed || resp.Result.Code != 403 {
				t.Fatalf("strict: allowed=%v result=%v, want a denial", resp.Allowed, resp.Result)
			}
			for _, want := range []string{`container "c0"`, quoted, tc.reason} {
				if !strings.Contains(resp.Result.Message, want) {
					t.Errorf("strict: message %q does not contain %q", resp.Result.Message, want)
				}
			}
		})
	}
}

// TestResolveTimeout checks that a registry slower than the budget costs the
// budget, not the webhook timeout: enabled admits with a warning, strict
// denies, both in time.
func TestResolveTimeout(t *testing.T) {
	slow := &counting{delay: time.Hour}
	h, err := webhook.NewPodHandler(own, fakeCache(t, world("127.0.0.1:1")...), slow, webhook.WithResolveTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		namespace string
		allowed   bool
	}{
		"enabled": {namespace: "apps", allowed: true},
		"strict":  {namespace: "secure", allowed: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			resp := handle(t, h, tc.namespace, "registry.example/slow:1")
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("answered after %s, want about the 200ms budget", took)
			}
			text := strings.Join(resp.Warnings, " ")
			if resp.Result != nil {
				text += resp.Result.Message
			}
			if resp.Allowed != tc.allowed || !strings.Contains(text, "not resolved within 200ms") {
				t.Errorf("allowed=%v text=%q, want allowed=%v and the budget named", resp.Allowed, text, tc.allowed)
			}
		})
	}
}

// TestPullSecrets resolves an image of a registry that demands credentials:
// with the Pod's imagePullSecrets read through the API reader it is pinned;
// without them, or with the feature off, the strict namespace denies it.
func TestPullSecrets(t *testing.T) {
	reg := startRegistry(t, "alice")
	reg.push(t, "private/app", "1.0", remoteAuth("alice", "pw"))
	image := reg.host + "/private/app:1.0"
	cache := fakeCache(t, world(reg.host)...) // holds no Secret: they must come from the API reader
	api := fakeCache(t, namespace("secure", v1alpha1.PinningStrict), pullSecret("secure", "regcred", reg.host, "alice", "pw"),
		pullSecret("secure", "wrong", reg.host, "alice", "nope"))
	tests := map[string]struct {
		opts    []webhook.Option
		secrets []string
		allowed bool
		reason  string
	}{
		"secret used":        {opts: []webhook.Option{webhook.WithAPIReader(api), webhook.WithPullSecrets(true)}, secrets: []string{"missing", "regcred"}, allowed: true},
		"wrong secret":       {opts: []webhook.Option{webhook.WithAPIReader(api), webhook.WithPullSecrets(true)}, secrets: []string{"wrong"}, reason: "unauthorized"},
		"no secret":          {opts: []webhook.Option{webhook.WithAPIReader(api), webhook.WithPullSecrets(true)}, reason: "unauthorized"},
		"feature turned off": {opts: []webhook.Option{webhook.WithAPIReader(api)}, secrets: []string{"regcred"}, reason: "unauthorized"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h, err := webhook.NewPodHandler(own, cache, newResolver(t), append(tc.opts, webhook.WithRegistryCA(reg.ca))...)
			if err != nil {
				t.Fatal(err)
			}
			var pod corev1.Pod
			if err := json.Unmarshal(podJSON(t, "secure", 1, func(int) string { return image }), &pod); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.secrets {
				pod.Spec.ImagePullSecrets = append(pod.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: s})
			}
			raw, _ := json.Marshal(pod)
			resp := h.Handle(t.Context(), admission.Request{AdmissionRequest: *podRequest("secure", raw)})
			if resp.Allowed != tc.allowed || (!tc.allowed && !strings.Contains(resp.Result.Message, tc.reason)) {
				t.Errorf("allowed=%v result=%v, want allowed=%v with %q", resp.Allowed, resp.Result, tc.allowed, tc.reason)
			}
		})
	}
}

// pullSecret is a kubernetes.io/dockerconfigjson Secret for host.
func pullSecret(ns, name, host, user, password string) *corev1.Secret {
	cfg := fmt.Sprintf(`{"auths":{%q:{"username":%q,"password":%q}}}`, host, user, password)
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: []byte(cfg)},
	}
}

// TestNamespaceNotCached checks a namespace the cache has not seen yet: it
// is read from the API reader when there is one, and is an error (the
// failurePolicy decides) when there is none.
func TestNamespaceNotCached(t *testing.T) {
	cache := fakeCache(t, imagePolicy("fresh", "web", "nginx", "nginx:1.25.3@"+nginxDigest))
	api := fakeCache(t, namespace("fresh", v1alpha1.PinningStrict))
	tests := map[string]struct {
		api     client.Reader
		allowed bool
		code    int32
	}{
		"read from the API server": {api: api, allowed: true, code: 0},
		"no API reader":            {allowed: false, code: 500},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var opts []webhook.Option
			if tc.api != nil {
				opts = append(opts, webhook.WithAPIReader(tc.api))
			}
			h, err := webhook.NewPodHandler(own, cache, refuse{t}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			resp := handle(t, h, "fresh", "nginx:1")
			if resp.Allowed != tc.allowed || (resp.Result != nil && resp.Result.Code != tc.code) {
				t.Errorf("allowed=%v result=%v, want allowed=%v code %d", resp.Allowed, resp.Result, tc.allowed, tc.code)
			}
		})
	}
}

// TestNewPodHandlerOptions checks that contradicting or invalid options are
// refused at construction.
func TestNewPodHandlerOptions(t *testing.T) {
	cache := fakeCache(t)
	tests := map[string]struct {
		opts []webhook.Option
		want string
	}{
		"pull secrets without API reader": {opts: []webhook.Option{webhook.WithPullSecrets(true)}, want: "needs an API reader"},
		"zero timeout":                    {opts: []webhook.Option{webhook.WithResolveTimeout(0)}, want: "resolve timeout must be > 0"},
		"zero concurrency":                {opts: []webhook.Option{webhook.WithConcurrency(0)}, want: "concurrency must be >= 1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := webhook.NewPodHandler(own, cache, refuse{t}, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := webhook.NewPodHandler(own, nil, refuse{t}); err == nil {
		t.Error("nil cache accepted")
	}
}

// compile-time check that the real resolver fits the handler.
var _ webhook.DigestResolver = (*resolver.Resolver)(nil)
