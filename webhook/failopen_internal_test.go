package webhook

import (
	"net/http"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestPatchFailure checks that a patch imagepin cannot compute admits the
// Pod as submitted with a warning in an enabled namespace and refuses it in
// a strict one.
func TestPatchFailure(t *testing.T) {
	raw := []byte(`{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"team/app:v1"}]}}`)
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{Object: runtime.RawExtension{Raw: raw}}}
	pod, err := decodePod(raw, "object")
	if err != nil {
		t.Fatal(err)
	}
	// The target names a container the object does not have: patchPod fails.
	ts := []target{{field: fieldMain, index: 3, name: "a", image: "team/app:v1"}}
	outcomes := map[string]outcome{"team/app:v1": {source: fromRegistry, image: "team/app:v1@sha256:" + strings.Repeat("0", 64)}}
	h := &PodHandler{}
	resp, result := h.respond(t.Context(), req, v1alpha1.PinningEnabled, pod, nil, outcomes, ts)
	if !resp.Allowed || len(resp.Patches) != 0 || len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "spec.containers[3]") || result != ResultError {
		t.Errorf("enabled: allowed=%v patches=%v warnings=%q result=%s, want admitted as submitted with a warning, counted as error",
			resp.Allowed, resp.Patches, resp.Warnings, result)
	}
	resp, _ = h.respond(t.Context(), req, v1alpha1.PinningStrict, pod, nil, outcomes, ts)
	if resp.Allowed || resp.Result.Code != http.StatusInternalServerError {
		t.Errorf("strict: allowed=%v %+v, want refused with code 500", resp.Allowed, resp.Result)
	}
}
