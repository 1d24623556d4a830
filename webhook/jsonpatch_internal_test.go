package webhook

import (
	"encoding/json"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/go-cmp/cmp"
	gjsonpatch "gomodules.xyz/jsonpatch/v2"
)

// TestBuildPatch applies the patch built for a Pod to its raw JSON: images
// replaced in every container list, the annotation added to a missing, null
// or existing map, everything else byte-for-byte the same when decoded.
func TestBuildPatch(t *testing.T) {
	const pinned = "team/app:v1@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"
	tests := map[string]struct {
		metadata string
		want     map[string]any // metadata after the patch
	}{
		"no annotations":    {`{"name":"p","x-unknown":1}`, map[string]any{"name": "p", "x-unknown": 1.0, "annotations": map[string]any{"imagepin.dev/original-images": "{}"}}},
		"null annotations":  {`{"name":"p","annotations":null}`, map[string]any{"name": "p", "annotations": map[string]any{"imagepin.dev/original-images": "{}"}}},
		"other annotations": {`{"name":"p","annotations":{"a/b~c":"d"}}`, map[string]any{"name": "p", "annotations": map[string]any{"a/b~c": "d", "imagepin.dev/original-images": "{}"}}},
		"null metadata":     {`null`, map[string]any{"annotations": map[string]any{"imagepin.dev/original-images": "{}"}}},
		"replaced": {`{"name":"p","annotations":{"imagepin.dev/original-images":"old"}}`,
			map[string]any{"name": "p", "annotations": map[string]any{"imagepin.dev/original-images": "{}"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			raw := []byte(`{"metadata":` + tc.metadata + `,"spec":{"initContainers":[{"name":"i","image":"team/app:v1"}],` +
				`"containers":[{"name":"a","image":"nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31","x":true},{"name":"b","image":"team/app:v1"}]}}`)
			pod, err := decodePod(raw, "object")
			if err != nil {
				t.Fatal(err)
			}
			changes := []change{
				{target: target{field: fieldInit, index: 0, name: "i", image: "team/app:v1"}, to: pinned},
				{target: target{field: fieldMain, index: 1, name: "b", image: "team/app:v1"}, to: pinned},
			}
			ops, err := json.Marshal(buildPatch(pod, changes, "{}"))
			if err != nil {
				t.Fatal(err)
			}
			patch, err := jsonpatch.DecodePatch(ops)
			if err != nil {
				t.Fatal(err)
			}
			out, err := patch.Apply(raw)
			if err != nil {
				t.Fatalf("apply %s: %v", ops, err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			wantSpec := map[string]any{
				"initContainers": []any{map[string]any{"name": "i", "image": pinned}},
				"containers": []any{map[string]any{"name": "a", "x": true, "image": "nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"},
					map[string]any{"name": "b", "image": pinned}},
			}
			if diff := cmp.Diff(map[string]any{"metadata": tc.want, "spec": wantSpec}, got); diff != "" {
				t.Errorf("patched Pod (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMarshalPatch holds marshalPatch to the bytes of jsonpatch's own
// encoding for the operations buildPatch makes, strings that need escaping
// among them, and checks that it declines what it does not encode.
func TestMarshalPatch(t *testing.T) {
	take := [][]gjsonpatch.JsonPatchOperation{
		{{Operation: "replace", Path: "/spec/containers/0/image", Value: "team/app:v1@sha256:0d17"}},
		{{Operation: "replace", Path: "/spec/initContainers/3/image", Value: "a\"b\\c<d>&e\u2028f\x01é"},
			{Operation: "add", Path: "/metadata/annotations", Value: map[string]string{"imagepin.dev/original-images": `{"c":"x<y>"}`}}},
		{{Operation: "add", Path: "/metadata", Value: map[string]any{"annotations": map[string]string{"k": "v"}}},
			{Operation: "replace", Path: "/metadata/annotations/imagepin.dev~1original-images", Value: "{}"}},
	}
	for _, ops := range take {
		want, err := json.Marshal(ops)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := marshalPatch(ops)
		if !ok || string(got) != string(want) {
			t.Errorf("marshalPatch = %s, %t; want %s", got, ok, want)
		}
	}
	decline := [][]gjsonpatch.JsonPatchOperation{
		nil,
		{{Operation: "remove", Path: "/metadata/labels"}},
		{{Operation: "replace", Path: "/spec/containers/0/image", Value: "a"}, {Operation: "add", Path: "/metadata/annotations"}},
		{{Operation: "test", Path: "/spec", Value: "a"}},
	}
	for _, ops := range decline {
		if got, ok := marshalPatch(ops); ok {
			t.Errorf("marshalPatch(%v) = %s, want it declined", ops, got)
		}
	}
}
