package yamledit

import (
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ErrNotFound means a key or entry that an edit needs is not in the file.
var ErrNotFound = errors.New("not found")

// Get returns the key and value nodes of key in mapping m, or nils.
func Get(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return k, m.Content[i+1]
		}
	}
	return nil, nil
}

// Path returns the key and value nodes at the dotted path in the document.
func (d *Doc) Path(path string) (*yaml.Node, *yaml.Node, error) {
	node := d.root
	var key *yaml.Node
	segments := strings.Split(path, ".")
	for i, seg := range segments {
		if node == nil || emptyNull(node) {
			return nil, nil, fmt.Errorf("key %s: %w", path, ErrNotFound)
		}
		if node.Kind == yaml.AliasNode || node.Kind != yaml.MappingNode {
			return nil, nil, fmt.Errorf("key %s: %s is not a mapping", path, strings.Join(segments[:i], "."))
		}
		key, node = Get(node, seg)
	}
	if node == nil {
		return nil, nil, fmt.Errorf("key %s: %w", path, ErrNotFound)
	}
	return key, node, nil
}

// SetIn sets the dotted path in data decoded from YAML (for Verify).
func SetIn(data any, path, v string) error {
	segments := strings.Split(path, ".")
	for i, seg := range segments {
		last := i == len(segments)-1
		switch m := data.(type) {
		case map[string]any:
			if last {
				m[seg] = v
				return nil
			}
			data = m[seg]
		case map[any]any:
			if last {
				m[seg] = v
				return nil
			}
			data = m[seg]
		default:
			return fmt.Errorf("key %s: %s is not a mapping", path, strings.Join(segments[:i], "."))
		}
	}
	return nil
}
