package webhook

import (
	"encoding/json"
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// buildPatch returns the JSON patch of a response that makes changes and,
// unless annotation is empty, sets the original-images annotation: one
// replace per changed image and one add (or replace) for the annotation. It is built
// from the decoded view of the request, not by diffing two encodings of
// the whole Pod, so its cost does not grow with the Pod's size, and fields
// this binary does not know are never touched.
func buildPatch(pod *podView, changes []change, annotation string) []jsonpatch.JsonPatchOperation {
	ops := make([]jsonpatch.JsonPatchOperation, 0, len(changes)+1)
	for _, c := range changes {
		ops = append(ops, jsonpatch.JsonPatchOperation{
			Operation: "replace",
			Path:      "/spec/" + c.field + "/" + strconv.Itoa(c.index) + "/image",
			Value:     c.to,
		})
	}
	if annotation == "" {
		return ops
	}
	value := map[string]string{v1alpha1.OriginalImagesAnnotation: annotation}
	if !pod.Metadata.present { // no metadata object to add to
		return append(ops, jsonpatch.JsonPatchOperation{
			Operation: "add", Path: "/metadata", Value: map[string]any{"annotations": value}})
	}
	if pod.Metadata.Annotations == nil { // absent or null: add the whole map
		return append(ops, jsonpatch.JsonPatchOperation{
			Operation: "add",
			Path:      "/metadata/annotations",
			Value:     value,
		})
	}
	op := "add"
	if _, ok := pod.Metadata.Annotations[v1alpha1.OriginalImagesAnnotation]; ok {
		op = "replace"
	}
	return append(ops, jsonpatch.JsonPatchOperation{
		Operation: op,
		Path:      "/metadata/annotations/" + escapePointer(v1alpha1.OriginalImagesAnnotation),
		Value:     annotation,
	})
}

// escapePointer escapes a JSON pointer token (RFC 6901).
func escapePointer(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// valueOp is a JSON patch operation that carries a value, encoded without
// jsonpatch.Operation's MarshalJSON, which runs a whole encoding, and the
// check and compaction of its output, for each operation.
type valueOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// marshalPatch encodes ops in one pass, to the bytes their MarshalJSON
// gives, and reports whether it could: it takes only adds and replaces with
// a value, the operations buildPatch makes. Anything else is left to
// admission.Response.Complete.
func marshalPatch(ops []jsonpatch.JsonPatchOperation) ([]byte, bool) {
	if len(ops) == 0 {
		return nil, false
	}
	plain := make([]valueOp, len(ops))
	for i, op := range ops {
		if op.Operation != "add" && op.Operation != "replace" || op.Value == nil {
			return nil, false
		}
		plain[i] = valueOp{Op: op.Operation, Path: op.Path, Value: op.Value}
	}
	patch, err := json.Marshal(plain)
	return patch, err == nil
}
