package yamledit

import (
	"fmt"
	"reflect"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Verify parses before and after as data and checks that after is before
// with want applied to it: the edit changed what it meant to, and nothing
// else. want changes the decoded before (a map or slice) in place.
func Verify(before, after []byte, want func(doc any) error) error {
	var old, got any
	if err := yaml.Unmarshal(before, &old); err != nil {
		return fmt.Errorf("before the edit: %w", err)
	}
	if err := yaml.Unmarshal(after, &got); err != nil {
		return fmt.Errorf("the edit made invalid YAML: %w", err)
	}
	if err := want(old); err != nil {
		return err
	}
	if !reflect.DeepEqual(old, got) {
		return fmt.Errorf("the edit would change more than the values: %w", ErrUnsupported)
	}
	return nil
}
