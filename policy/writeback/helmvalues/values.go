package helmvalues

import (
	"errors"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/imagepin/imagepin/policy/writeback/yamledit"
)

// Keys are the dotted paths of the keys to set; empty ones are left out.
type Keys struct {
	Repository, Tag, Digest string
}

// Image is what the keys get.
type Image struct {
	// Repository is the image without tag or digest.
	Repository string
	// Tag is empty for an image pinned by digest.
	Tag string
	// Digest is sha256:….
	Digest string
}

// ErrNotFound is yamledit.ErrNotFound: a key is not in the file.
var ErrNotFound = yamledit.ErrNotFound

// Set returns the values file src with the keys set to img. It fails
// (wrapping ErrNotFound) when a key is missing, and when a key is not a
// scalar, the file does not parse, or the change cannot be made without
// touching other lines.
func Set(src []byte, keys Keys, img Image) ([]byte, []int, error) {
	doc, err := yamledit.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	writes, err := keys.writes(img)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range writes {
		if err := set(doc, w.path, w.value); err != nil {
			return nil, nil, err
		}
	}
	out, lines := doc.Bytes()
	err = yamledit.Verify(src, out, func(data any) error {
		for _, w := range writes {
			if err := yamledit.SetIn(data, w.path, w.value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, lines, nil
}

type write struct{ path, value string }

func (k Keys) writes(img Image) ([]write, error) {
	var writes []write
	for _, w := range []write{{k.Repository, img.Repository}, {k.Tag, img.Tag}, {k.Digest, img.Digest}} {
		if w.path == "" {
			continue
		}
		if w.value == "" {
			return nil, fmt.Errorf("key %s: the image %s has no tag (pinned by digest)", w.path, img.Repository)
		}
		writes = append(writes, w)
	}
	if len(writes) == 0 {
		return nil, errors.New("no key to set")
	}
	return writes, nil
}

func set(doc *yamledit.Doc, path, v string) error {
	key, value, err := doc.Path(path)
	if err != nil {
		return err
	}
	if value.Kind != yaml.ScalarNode {
		return fmt.Errorf("key %s (line %d) is not a scalar", path, value.Line)
	}
	if value.Value == v && value.Tag == "!!str" {
		return nil
	}
	if err := doc.Set(key, value, v); err != nil {
		return fmt.Errorf("key %s: %w", path, err)
	}
	return nil
}
