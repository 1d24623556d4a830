package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/resolver"
	"github.com/imagepin/imagepin/webhook"
)

// reviewType is the TypeMeta of an admission.k8s.io/v1 AdmissionReview.
var reviewType = metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}

// servedPaths holds what Register serves, by path, next to the
// controller-runtime Webhook over the same handler, the reference.
type servedPaths map[string]struct{ served, reference http.Handler }

// registered registers h and pairs each path with its reference.
func registered(h *webhook.PodHandler) servedPaths {
	srv := server{}
	h.Register(srv)
	out := servedPaths{}
	for path, served := range srv {
		mode := strings.TrimPrefix(strings.TrimPrefix(path, webhook.MutatePodsPath), "/")
		out[path] = struct{ served, reference http.Handler }{served, &admission.Webhook{Handler: h.ForMode(mode)}}
	}
	return out
}

// server is a webhook Server that keeps what is registered.
type server map[string]http.Handler

func (s server) Register(path string, hook http.Handler) { s[path] = hook }

// TestServedMatchesWebhook posts every testdata request, and variants the
// fast path hands on, to each registered path and to the controller-runtime
// Webhook over the same handler: the answers must be the same, byte for
// byte once decoded.
func TestServedMatchesWebhook(t *testing.T) {
	digests := &counting{fail: map[string]error{"nope": errors.Join(resolver.ErrNotFound, errors.New("manifest unknown"))}}
	h, err := webhook.NewPodHandler(own, fakeCache(t, world("registry.example")...), digests)
	if err != nil {
		t.Fatal(err)
	}
	paths := registered(h)
	if len(paths) != 3 {
		t.Fatalf("Register served %d paths, want 3", len(paths))
	}
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string][]byte{
		"v1beta1":        []byte(`{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"Pod","version":"v1"},"resource":{"resource":"pods","version":"v1"},"namespace":"apps","operation":"CREATE","object":{"metadata":{},"spec":{"containers":[{"name":"a","image":"registry.example/team/app:v1"}]}}}}`),
		"not a pod":      []byte(review(t, "apps", []byte(`{"spec":{"containers":{"name":"a"}}}`))),
		"null object":    []byte(review(t, "apps", []byte(`null`))),
		"no namespace":   []byte(review(t, "", []byte(`{"spec":{"containers":[{"name":"a","image":"nginx"}]}}`))),
		"no old object":  []byte(strings.Replace(review(t, "apps", []byte(`{"spec":{}}`)), `"CREATE"`, `"UPDATE"`, 1)),
		"not json":       []byte("pin me"),
		"larger than 1M": []byte(review(t, "apps", []byte(`{"metadata":{"annotations":{"a":"`+strings.Repeat("x", 1<<20)+`"}},"spec":{"containers":[{"name":"a","image":"registry.example/team/app:v1"}]}}`))),
	}
	for _, path := range seeds {
		if strings.HasSuffix(path, ".golden.json") {
			continue
		}
		req := seedRequest(t, path)
		body, err := json.Marshal(admissionv1.AdmissionReview{TypeMeta: reviewType, Request: &req})
		if err != nil {
			t.Fatal(err)
		}
		bodies[filepath.Base(path)] = body
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			for path := range paths {
				compareServed(t, paths, path, body)
			}
		})
	}
}

// compareServed posts body to path and to its reference and compares the
// decoded answers.
func compareServed(t *testing.T, paths servedPaths, path string, body []byte) {
	t.Helper()
	p, ok := paths[path]
	if !ok {
		t.Fatalf("nothing served at %s", path)
	}
	got, want := serve(t, p.served, path, body), serve(t, p.reference, path, body)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: answer differs from the controller-runtime Webhook's (-want +got):\n%s", path, diff)
	}
}

// serve serves body at path with h and decodes the answer.
func serve(t *testing.T, h http.Handler, path string, body []byte) admissionv1.AdmissionReview {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: answer %q is not an AdmissionReview: %v", path, w.Body.String(), err)
	}
	return out
}

// TestServedPathsHaveTheirMode checks that each registered path answers
// with its mode: a Pod whose image cannot be pinned is denied at the strict
// path only.
func TestServedPathsHaveTheirMode(t *testing.T) {
	digests := &counting{fail: map[string]error{"nope": errors.Join(resolver.ErrNotFound, errors.New("manifest unknown"))}}
	h, err := webhook.NewPodHandler(own, fakeCache(t, world("registry.example")...), digests)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(review(t, "apps", []byte(`{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"registry.example/team/app:nope"}]}}`)))
	for path, allowed := range map[string]bool{webhook.MutatePodsEnabledPath: true, webhook.MutatePodsStrictPath: false} {
		got := serve(t, registered(h)[path].served, path, body)
		if got.Response == nil || got.Response.Allowed != allowed || got.Response.UID != "1" {
			t.Errorf("%s: answer %+v, want allowed=%v with the request's UID", path, got.Response, allowed)
		}
	}
}
