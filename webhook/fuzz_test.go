package webhook_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/resolver"
	"github.com/imagepin/imagepin/webhook"
)

// FuzzHandle feeds arbitrary objects, old objects, operations and
// subresources to the handler, at the path of the namespace's mode and at
// MutatePodsPath. Whatever comes in, it must not panic, must answer either
// "allowed" or an error or denial with a message, must send a patch that
// applies to the object it got, and must send warnings fit for an HTTP
// header. At MutatePodsEnabledPath it must admit every request; elsewhere
// it may deny only in the strict namespace.
func FuzzHandle(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range seeds {
		if strings.HasSuffix(path, ".golden.json") {
			continue
		}
		req := seedRequest(f, path)
		strict := req.Namespace == "secure"
		f.Add([]byte(req.Object.Raw), []byte(req.OldObject.Raw), string(req.Operation), req.SubResource, strict)
	}
	digests := &counting{fail: map[string]error{"nope": errors.Join(resolver.ErrNotFound, errors.New("manifest unknown"))}}
	h, err := webhook.NewPodHandler(own, fakeCache(f, world("registry.example")...), digests)
	if err != nil {
		f.Fatal(err)
	}
	paths := registered(h)
	f.Fuzz(func(t *testing.T, object, oldObject []byte, operation, subresource string, strict bool) {
		ns := "apps"
		if strict {
			ns = "secure"
		}
		req := podRequest(ns, object)
		req.OldObject = runtime.RawExtension{Raw: oldObject}
		req.Operation, req.SubResource = admissionv1.Operation(operation), subresource
		byMode := h.ForMode(map[bool]string{false: v1alpha1.PinningEnabled, true: v1alpha1.PinningStrict}[strict])
		resp := byMode.Handle(t.Context(), admission.Request{AdmissionRequest: *req})
		if !strict && !resp.Allowed {
			t.Fatalf("%s refused a request: %s", webhook.MutatePodsEnabledPath, message(resp))
		}
		checkFuzzResponse(t, object, strict, resp)
		checkFuzzResponse(t, object, strict, h.Handle(t.Context(), admission.Request{AdmissionRequest: *req}))
		if body, err := json.Marshal(admissionv1.AdmissionReview{TypeMeta: reviewType, Request: req}); err == nil {
			compareServed(t, paths, webhook.MutatePodsPathFor(map[bool]string{false: v1alpha1.PinningEnabled, true: v1alpha1.PinningStrict}[strict]), body)
		}
	})
}

// checkFuzzResponse checks the invariants of FuzzHandle.
func checkFuzzResponse(t *testing.T, object []byte, strict bool, resp admission.Response) {
	t.Helper()
	if !resp.Allowed {
		if resp.Result == nil || resp.Result.Message == "" {
			t.Fatalf("refusal without a message: %+v", resp)
		}
		if resp.Result.Code == 403 && !strict {
			t.Fatalf("denied in an enabled namespace: %s", resp.Result.Message)
		}
	}
	for _, w := range append(resp.Warnings, message(resp)) {
		if strings.ContainsFunc(w, unicode.IsControl) {
			t.Fatalf("control character in %q", w)
		}
	}
	if len(resp.Patches) == 0 {
		return
	}
	var pod struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(applyPatch(t, object, resp), &pod); err != nil {
		t.Fatalf("patched object: %v", err)
	}
	if v, ok := pod.Metadata.Annotations[v1alpha1.OriginalImagesAnnotation]; ok {
		var originals map[string]string
		if err := json.Unmarshal([]byte(v), &originals); err != nil {
			t.Fatalf("annotation %q: %v", v, err)
		}
	}
}

// message is the status message of resp.
func message(resp admission.Response) string {
	if resp.Result == nil {
		return ""
	}
	return resp.Result.Message
}

// seedRequest reads the request of a testdata AdmissionReview.
func seedRequest(f testing.TB, path string) admissionv1.AdmissionRequest {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	data = []byte(strings.ReplaceAll(string(data), registryPlaceholder, "registry.example"))
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(data, &review); err != nil || review.Request == nil {
		f.Fatalf("%s: %v", path, err)
	}
	return *review.Request
}
