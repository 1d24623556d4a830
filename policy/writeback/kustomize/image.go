package kustomize

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/imagepin/imagepin/policy/writeback/yamledit"
)

// FileNames are the names of a kustomization file, in the order kustomize
// looks for them.
func FileNames() []string {
	return []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}
}

// Image is what the entry gets.
type Image struct {
	// Name is the policy's repository (spec.image): the name of an added
	// entry, and what name or newName of an existing entry is matched with.
	Name string
	// Tag is newTag; empty for an image pinned by digest, which leaves
	// newTag as it is.
	Tag string
	// Digest is sha256:….
	Digest string
}

// SetImage returns the kustomization src with img in its images list, and
// the lines of src it changed.
func SetImage(src []byte, img Image) ([]byte, []int, error) {
	doc, err := yamledit.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	root := doc.Root()
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("not a kustomization: the file is not a mapping")
	}
	matched, err := setImage(doc, root, img)
	if err != nil {
		return nil, nil, err
	}
	out, lines := doc.Bytes()
	if err := yamledit.Verify(src, out, func(data any) error { return want(data, img, matched) }); err != nil {
		return nil, nil, err
	}
	return out, lines, nil
}

// setImage edits the images list and returns the indexes of the entries
// that matched (none: one was added).
func setImage(doc *yamledit.Doc, root *yaml.Node, img Image) ([]int, error) {
	key, images := yamledit.Get(root, "images")
	switch {
	case key == nil:
		return nil, doc.SetSequence(root, nil, "images", img.entry())
	case images.Kind == yaml.ScalarNode && images.Tag == "!!null" && images.Value == "":
		return nil, doc.SetSequence(root, key, "images", img.entry())
	case images.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("images (line %d) is not a list", images.Line)
	}
	var matched []int
	for i, entry := range images.Content {
		if entry.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("images[%d] (line %d) is not a mapping", i, entry.Line)
		}
		if img.matches(entry) {
			matched = append(matched, i)
			if err := setEntry(doc, entry, img); err != nil {
				return nil, fmt.Errorf("images[%d]: %w", i, err)
			}
		}
	}
	if len(matched) == 0 {
		return nil, doc.AppendMapping(images, img.entry())
	}
	return matched, nil
}

// setEntry sets newTag and digest of entry, adding those it lacks.
func setEntry(doc *yamledit.Doc, entry *yaml.Node, img Image) error {
	var missing []yamledit.Pair
	for _, p := range img.fields() {
		k, v := yamledit.Get(entry, p.Key)
		switch {
		case k == nil:
			missing = append(missing, p)
		case v.Kind != yaml.ScalarNode:
			return fmt.Errorf("%s (line %d) is not a scalar", p.Key, v.Line)
		case v.Value == p.Value && v.Tag == "!!str":
		default:
			if err := doc.Set(k, v, p.Value); err != nil {
				return fmt.Errorf("%s: %w", p.Key, err)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return doc.AddPairs(entry, missing)
}

func (img Image) fields() []yamledit.Pair {
	var pairs []yamledit.Pair
	if img.Tag != "" {
		pairs = append(pairs, yamledit.Pair{Key: "newTag", Value: img.Tag})
	}
	return append(pairs, yamledit.Pair{Key: "digest", Value: img.Digest})
}

func (img Image) entry() []yamledit.Pair {
	return append([]yamledit.Pair{{Key: "name", Value: img.Name}}, img.fields()...)
}

// matches reports whether entry's name or newName is img's repository.
func (img Image) matches(entry *yaml.Node) bool {
	for _, key := range []string{"name", "newName"} {
		if _, v := yamledit.Get(entry, key); v != nil && v.Kind == yaml.ScalarNode && SameRepository(v.Value, img.Name) {
			return true
		}
	}
	return false
}

// SameRepository reports whether a and b name one repository, as written
// or after normalisation (nginx is docker.io/library/nginx).
func SameRepository(a, b string) bool {
	if a == b {
		return true
	}
	ra, err := name.NewRepository(a, name.WeakValidation)
	if err != nil {
		return false
	}
	rb, err := name.NewRepository(b, name.WeakValidation)
	return err == nil && ra.Name() == rb.Name()
}
