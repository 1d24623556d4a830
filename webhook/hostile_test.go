package webhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/internal/testenv/attack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/webhook"
)

// TestServeMalformedReviews posts broken AdmissionReviews to the handler as
// the webhook server serves it: every one gets a clear error response.
func TestServeMalformedReviews(t *testing.T) {
	h, err := webhook.NewPodHandler(own, fakeCache(t, world("127.0.0.1:1")...), refuse{t})
	if err != nil {
		t.Fatal(err)
	}
	wh := registered(h)[webhook.MutatePodsPath].served
	tests := map[string]struct {
		body, contentType string
		wantCode          int32
	}{
		"empty body":        {body: "", wantCode: http.StatusBadRequest},
		"not json":          {body: "pin me", wantCode: http.StatusBadRequest},
		"truncated":         {body: `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"1"`, wantCode: http.StatusBadRequest},
		"wrong content":     {body: `{}`, contentType: "text/plain", wantCode: http.StatusBadRequest},
		"no request":        {body: `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}`, wantCode: http.StatusBadRequest},
		"object not a pod":  {body: review(t, "apps", []byte(`[1,2,3]`)), wantCode: http.StatusBadRequest},
		"object is null":    {body: review(t, "apps", []byte(`null`)), wantCode: http.StatusBadRequest},
		"no namespace":      {body: review(t, "", []byte(`{"spec":{"containers":[{"name":"a","image":"nginx"}]}}`)), wantCode: http.StatusBadRequest},
		"containers object": {body: review(t, "apps", []byte(`{"spec":{"containers":{"name":"a"}}}`)), wantCode: http.StatusBadRequest},
		"image a number":    {body: review(t, "apps", []byte(`{"spec":{"containers":[{"name":"a","image":7}]}}`)), wantCode: http.StatusBadRequest},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.contentType == "" {
				tc.contentType = "application/json"
			}
			r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, webhook.MutatePodsPath, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.contentType)
			w := httptest.NewRecorder()
			wh.ServeHTTP(w, r)
			var out admissionv1.AdmissionReview
			if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Response == nil {
				t.Fatalf("response %q is not an AdmissionReview: %v", w.Body.String(), err)
			}
			res := out.Response
			if res.Allowed || res.Result == nil || res.Result.Code != tc.wantCode || res.Result.Message == "" || len(res.Patch) != 0 {
				t.Errorf("response = %+v, want a denial with code %d, a message and no patch", res, tc.wantCode)
			}
		})
	}
}

// review is an AdmissionReview of a Pod CREATE with object as its raw object.
func review(t testing.TB, namespace string, object []byte) string {
	t.Helper()
	data, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  podRequest(namespace, object),
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// podRequest is the admission request of a Pod CREATE in namespace.
func podRequest(namespace string, object []byte) *admissionv1.AdmissionRequest {
	pods := metav1.GroupVersionResource{Version: "v1", Resource: "pods"}
	return &admissionv1.AdmissionRequest{
		UID: "1", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}, Resource: pods,
		Namespace: namespace, Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: object},
	}
}

// podJSON is a Pod in namespace with containers c0..c(n-1) whose images
// image(i) returns.
func podJSON(t testing.TB, namespace string, n int, image func(int) string) []byte {
	t.Helper()
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: namespace},
	}
	for i := range n {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", i), Image: image(i)})
	}
	data, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestHandle200Containers pins a Pod of 200 containers with 20 distinct
// images: each image is resolved once, never more than the concurrency
// bound at a time, and all 200 containers are pinned and recorded.
func TestHandle200Containers(t *testing.T) {
	digests := &counting{}
	h, err := webhook.NewPodHandler(own, fakeCache(t, world("127.0.0.1:1")...), digests, webhook.WithConcurrency(4))
	if err != nil {
		t.Fatal(err)
	}
	raw := podJSON(t, "secure", 200, func(i int) string { return fmt.Sprintf("registry.example/team/app%d:1.0", i%20) })
	resp := h.Handle(t.Context(), admission.Request{AdmissionRequest: *podRequest("secure", raw)})
	if !resp.Allowed {
		t.Fatalf("denied: %v", resp.Result)
	}
	if got := digests.calls.Load(); got != 20 {
		t.Errorf("resolver called %d times, want once per distinct image (20)", got)
	}
	if got := digests.maxInFlight.Load(); got > 4 {
		t.Errorf("%d lookups ran at once, want at most 4", got)
	}
	var pod corev1.Pod
	if err := json.Unmarshal(applyPatch(t, raw, resp), &pod); err != nil {
		t.Fatal(err)
	}
	for _, c := range pod.Spec.Containers {
		if want := c.Name; !strings.Contains(c.Image, "@sha256:") {
			t.Errorf("container %s image %q not pinned", want, c.Image)
		}
	}
	var originals map[string]string
	if err := json.Unmarshal([]byte(pod.Annotations[v1alpha1.OriginalImagesAnnotation]), &originals); err != nil || len(originals) != 200 {
		t.Errorf("annotation records %d containers (%v), want 200", len(originals), err)
	}
	if len(resp.Warnings) != 200 {
		t.Errorf("%d warnings, want one per change (200)", len(resp.Warnings))
	}
}

// TestNoRegistryBodyInAnswers resolves an image against a registry that
// answers with a 40 KiB error body: the enabled namespace's warning and the
// strict namespace's denial name the status code, and hold no 4 bytes in a
// row of the body.
func TestNoRegistryBodyInAnswers(t *testing.T) {
	for _, code := range []int{http.StatusNotFound, http.StatusForbidden, http.StatusInternalServerError} {
		host, body := attack.ErrorRegistry(t, code)
		h, err := webhook.NewPodHandler(own, fakeCache(t, world(host)...), newResolver(t))
		if err != nil {
			t.Fatal(err)
		}
		for mode, ns := range map[string]string{v1alpha1.PinningEnabled: "apps", v1alpha1.PinningStrict: "secure"} {
			raw := podJSON(t, ns, 1, func(int) string { return host + "/team/app:1" })
			resp := h.ForMode(mode).Handle(t.Context(), admission.Request{AdmissionRequest: *podRequest(ns, raw)})
			answer := strings.Join(append(resp.Warnings, message(resp)), "\n")
			if !strings.Contains(answer, fmt.Sprintf("HTTP %d", code)) {
				t.Errorf("%s, HTTP %d: answer %q does not name the status code", mode, code, answer)
			}
			if piece := attack.Leak(answer, body); piece != "" {
				t.Errorf("%s, HTTP %d: answer holds %q of the registry's body: %.300q", mode, code, piece, answer)
			}
		}
	}
}
