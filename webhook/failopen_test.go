package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/webhook"
)

// errNamespaces is what the broken cache of TestOwnErrors answers for
// every Namespace.
var errNamespaces = errors.New("the server was unable to return a response in the time allotted")

// namespacesUnreadable is fakeCache whose Namespace reads fail, as an
// informer cache that cannot sync or an API server that times out.
func namespacesUnreadable(t testing.TB, objs ...client.Object) client.Client {
	t.Helper()
	return interceptor.NewClient(fakeCache(t, objs...).(client.WithWatch), interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Namespace); ok {
				return errNamespaces
			}
			return c.Get(ctx, key, obj, opts...)
		},
	})
}

// TestOwnErrors sends requests that imagepin cannot handle to the handler
// of each path. Behind MutatePodsEnabledPath imagepin's own errors admit
// the Pod as submitted with a warning; behind MutatePodsStrictPath they
// refuse it; MutatePodsPath, which must read the Namespace to know the
// mode, refuses when it cannot.
func TestOwnErrors(t *testing.T) {
	h, err := webhook.NewPodHandler(own, namespacesUnreadable(t, world("registry.example")...), &counting{})
	if err != nil {
		t.Fatal(err)
	}
	valid := podJSON(t, "apps", 1, func(int) string { return "registry.example/team/app:v1" })
	tests := map[string]struct {
		req      func() *admissionv1.AdmissionRequest
		wantWarn string // in the warning of the enabled path; "" when that path pins
		code     int32  // of the refusals
	}{
		"namespace unreadable": {req: func() *admissionv1.AdmissionRequest { return podRequest("apps", valid) }, code: http.StatusInternalServerError},
		"object not a Pod": {req: func() *admissionv1.AdmissionRequest { return podRequest("apps", []byte(`[1,2,3]`)) },
			wantWarn: "decode object as a Pod", code: http.StatusBadRequest},
		"request names no kind": {req: func() *admissionv1.AdmissionRequest {
			r := podRequest("apps", valid)
			r.Kind.Kind = ""
			return r
		}, wantWarn: "names no kind", code: http.StatusBadRequest},
		"update without oldObject": {req: func() *admissionv1.AdmissionRequest {
			r := podRequest("apps", valid)
			r.Operation, r.OldObject = admissionv1.Update, runtime.RawExtension{}
			return r
		}, wantWarn: "oldObject is empty", code: http.StatusBadRequest},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp := h.ForMode(v1alpha1.PinningEnabled).Handle(t.Context(), admission.Request{AdmissionRequest: *tc.req()})
			switch {
			case !resp.Allowed:
				t.Errorf("enabled path refused: %s", message(resp))
			case tc.wantWarn == "" && len(resp.Patches) == 0:
				t.Errorf("enabled path did not pin (warnings %q): the mode comes from the path, the Namespace is not needed", resp.Warnings)
			case tc.wantWarn != "" && (len(resp.Patches) != 0 || len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], tc.wantWarn)):
				t.Errorf("enabled path: patches %v, warnings %q; want the Pod as submitted with one warning naming %q", resp.Patches, resp.Warnings, tc.wantWarn)
			}
			resp = h.ForMode(v1alpha1.PinningStrict).Handle(t.Context(), admission.Request{AdmissionRequest: *tc.req()})
			if tc.wantWarn != "" && (resp.Allowed || resp.Result.Code != tc.code) {
				t.Errorf("strict path: allowed=%v %+v, want refused with code %d", resp.Allowed, resp.Result, tc.code)
			}
			resp = h.Handle(t.Context(), admission.Request{AdmissionRequest: *tc.req()})
			if resp.Allowed || resp.Result.Code != tc.code {
				t.Errorf("%s: allowed=%v %+v, want refused with code %d: the mode is unknown", webhook.MutatePodsPath, resp.Allowed, resp.Result, tc.code)
			}
		})
	}
}
