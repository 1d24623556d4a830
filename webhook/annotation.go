package webhook

import (
	"encoding/json"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

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
