package webhook

import (
	"encoding/json"
	"fmt"

	kjson "k8s.io/apimachinery/pkg/util/json"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// patchPod returns raw with the images of changes replaced and, unless
// annotation is empty, the original-images annotation set. It edits a
// generic decoding of raw, so that every field this binary does not know is
// kept and the patch against raw holds exactly the edits.
func patchPod(raw []byte, changes []change, annotation string) ([]byte, error) {
	var obj map[string]any
	if err := kjson.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	for _, c := range changes {
		if err := setImage(obj, c); err != nil {
			return nil, err
		}
	}
	if annotation != "" {
		if err := setAnnotation(obj, v1alpha1.OriginalImagesAnnotation, annotation); err != nil {
			return nil, err
		}
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode patched object: %w", err)
	}
	return out, nil
}

// setImage sets the image of the container that c targets.
func setImage(obj map[string]any, c change) error {
	spec, _ := obj["spec"].(map[string]any)
	list, _ := spec[c.field].([]any)
	if c.index >= len(list) {
		return fmt.Errorf("object has no spec.%s[%d]", c.field, c.index)
	}
	container, ok := list[c.index].(map[string]any)
	if !ok {
		return fmt.Errorf("spec.%s[%d] is not an object", c.field, c.index)
	}
	container["image"] = c.to
	return nil
}

// setAnnotation sets metadata.annotations[key], creating the maps it needs.
func setAnnotation(obj map[string]any, key, value string) error {
	meta, ok := obj["metadata"].(map[string]any)
	if !ok {
		if obj["metadata"] != nil {
			return fmt.Errorf("metadata is not an object")
		}
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	annotations, ok := meta["annotations"].(map[string]any)
	if !ok {
		if meta["annotations"] != nil {
			return fmt.Errorf("metadata.annotations is not an object")
		}
		annotations = map[string]any{}
		meta["annotations"] = annotations
	}
	annotations[key] = value
	return nil
}

// originalImages returns the original-images annotation with changes
// recorded. Entries already there are merged, not replaced: on
// re-invocation (another webhook changed the Pod after imagepin) the entry
// holds what the user submitted, and the image now seen may be one that an
// earlier invocation rewrote. Only an entry inherited unchanged from the old
// object is replaced, because an UPDATE that sets a new image makes that
// image the one submitted.
func originalImages(pod, old *podView, changes []change) string {
	recorded := parseOriginals(pod.Metadata.Annotations[v1alpha1.OriginalImagesAnnotation])
	var inherited map[string]string
	if old != nil {
		inherited = parseOriginals(old.Metadata.Annotations[v1alpha1.OriginalImagesAnnotation])
	}
	for _, c := range changes {
		if v, ok := recorded[c.name]; ok && inherited[c.name] != v {
			continue
		}
		recorded[c.name] = c.image
	}
	out, err := json.Marshal(recorded)
	if err != nil {
		panic(err) // a map of strings always encodes
	}
	return string(out)
}

// parseOriginals decodes an original-images annotation. A value that is not
// a JSON object of strings (edited by hand) is dropped: it cannot be merged.
func parseOriginals(value string) map[string]string {
	m := map[string]string{}
	if value == "" {
		return m
	}
	if err := json.Unmarshal([]byte(value), &m); err != nil || m == nil { // "null" decodes to nil
		return map[string]string{}
	}
	return m
}
