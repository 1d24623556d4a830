package kustomize

import "fmt"

// want applies the intended change to the decoded kustomization, for
// yamledit.Verify.
func want(data any, img Image, matched []int) error {
	root, ok := data.(map[string]any)
	if !ok {
		return fmt.Errorf("not a kustomization: the file is not a mapping")
	}
	images, _ := root["images"].([]any)
	if len(matched) == 0 {
		entry := map[string]any{}
		for _, p := range img.entry() {
			entry[p.Key] = p.Value
		}
		root["images"] = append(images, entry)
		return nil
	}
	for _, i := range matched {
		entry, ok := images[i].(map[string]any)
		if !ok {
			return fmt.Errorf("images[%d] is not a mapping", i)
		}
		for _, p := range img.fields() {
			entry[p.Key] = p.Value
		}
	}
	return nil
}
