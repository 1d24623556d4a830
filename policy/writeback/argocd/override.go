package argocd

import (
	"bytes"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/imagepin/imagepin/policy/writeback/yamledit"
)

// FileName is the name of an application's override file.
func FileName(application string) string {
	return ".argocd-source-" + application + ".yaml"
}

// Image is what the override file gets.
type Image struct {
	// Repository is the image without tag or digest.
	Repository string
	// Tag is empty for an image pinned by digest.
	Tag string
	// Digest is sha256:….
	Digest string
}

// Ref is repository:tag@digest, or repository@digest without a tag.
func (img Image) Ref() string {
	if img.Tag == "" {
		return img.Repository + "@" + img.Digest
	}
	return img.Repository + ":" + img.Tag + "@" + img.Digest
}

// open parses the override file, empty or missing (src nil) included, and
// returns its document node and top mapping.
func open(src []byte) (*yaml.Node, *yaml.Node, error) {
	doc, err := yamledit.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	if doc.Root() == nil {
		root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}, root, nil
	}
	if doc.Root().Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("the file is not a mapping")
	}
	return doc.Node(), doc.Root(), nil
}

// child returns the value of key in m, creating it with kind when missing
// or null; path names it in errors.
func child(m *yaml.Node, key string, kind yaml.Kind, path string) (*yaml.Node, error) {
	k, v := yamledit.Get(m, key)
	if k == nil {
		v = &yaml.Node{Kind: kind}
		m.Content = append(m.Content, str(key), v)
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		*v = yaml.Node{Kind: kind, HeadComment: v.HeadComment, LineComment: v.LineComment}
	}
	if v.Kind != kind {
		what := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}[kind]
		return nil, fmt.Errorf("%s (line %d) is not %s", path, v.Line, what)
	}
	return v, nil
}

func str(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

func encode(doc *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b.Bytes(), nil
}
