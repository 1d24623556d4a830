package webhook_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/go-cmp/cmp"
	gomodulesjsonpatch "gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// registryPlaceholder stands for the test registry's host in testdata.
const registryPlaceholder = "{{registry}}"

// loadRequest reads testdata/<name>.json, an AdmissionReview, with the
// registry placeholder replaced by host.
func loadRequest(t testing.TB, name, host string) admission.Request {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(data, []byte(registryPlaceholder), []byte(host))
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(data, &review); err != nil {
		t.Fatalf("testdata/%s.json: %v", name, err)
	}
	if review.Request == nil {
		t.Fatalf("testdata/%s.json has no request", name)
	}
	return admission.Request{AdmissionRequest: *review.Request}
}

// golden is what a golden file records of a response.
type golden struct {
	Result   string                                  `json:"result"`
	Allowed  bool                                    `json:"allowed"`
	Code     int32                                   `json:"code,omitempty"`
	Message  string                                  `json:"message,omitempty"`
	Warnings []string                                `json:"warnings,omitempty"`
	Patch    []gomodulesjsonpatch.JsonPatchOperation `json:"patch,omitempty"`
}

// newGolden records resp. Patch operations are sorted by path: the patch
// library emits object keys in map order, and the operations of one
// response never depend on each other.
func newGolden(result string, resp admission.Response) golden {
	g := golden{Result: result, Allowed: resp.Allowed, Warnings: resp.Warnings, Patch: slices.Clone(resp.Patches)}
	if resp.Result != nil {
		g.Code, g.Message = resp.Result.Code, resp.Result.Message
	}
	slices.SortFunc(g.Patch, func(a, b gomodulesjsonpatch.JsonPatchOperation) int { return strings.Compare(a.Path, b.Path) })
	return g
}

// checkGolden compares got with testdata/<name>.golden.json, or rewrites
// the file with -update.
func checkGolden(t *testing.T, name, host string, got golden) {
	t.Helper()
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(bytes.ReplaceAll(data, []byte(host), []byte(registryPlaceholder)), '\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(data)); diff != "" {
		t.Errorf("response differs from %s (-want +got):\n%s", path, diff)
	}
}

// applyPatch applies the patch of resp to raw, as the API server does, and
// fails the test when it does not apply.
func applyPatch(t testing.TB, raw []byte, resp admission.Response) []byte {
	t.Helper()
	if len(resp.Patches) == 0 {
		return raw
	}
	ops, err := json.Marshal(resp.Patches)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		t.Fatalf("decode patch: %v", err)
	}
	out, err := patch.Apply(raw)
	if err != nil {
		t.Fatalf("apply patch %s: %v", ops, err)
	}
	return out
}
