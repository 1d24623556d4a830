package argocd

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/imagepin/imagepin/policy/writeback/yamledit"
)

// Default Helm parameter names, as Argo CD Image Updater's.
const (
	DefaultHelmRepository = "image.repository"
	DefaultHelmTag        = "image.tag"
)

// HelmNames are the names of the Helm parameters that get the image.
type HelmNames struct {
	// Repository is DefaultHelmRepository when empty.
	Repository string
	// Tag is DefaultHelmTag when empty.
	Tag string
	// Digest is not written when empty.
	Digest string
}

// SetHelmParameters returns the override file src (nil when missing) with
// the parameters of names in helm.parameters, each {name, value,
// forcestring: true}: an entry of the same name is updated, others kept.
func SetHelmParameters(src []byte, names HelmNames, img Image) ([]byte, error) {
	params, err := names.params(img)
	if err != nil {
		return nil, err
	}
	doc, root, err := open(src)
	if err != nil {
		return nil, err
	}
	h, err := child(root, "helm", yaml.MappingNode, "helm")
	if err != nil {
		return nil, err
	}
	list, err := child(h, "parameters", yaml.SequenceNode, "helm.parameters")
	if err != nil {
		return nil, err
	}
	for _, p := range params {
		if err := setParameter(list, p[0], p[1]); err != nil {
			return nil, err
		}
	}
	return encode(doc)
}

func (n HelmNames) params(img Image) ([][2]string, error) {
	repo, tag := n.Repository, n.Tag
	if repo == "" {
		repo = DefaultHelmRepository
	}
	if tag == "" {
		tag = DefaultHelmTag
	}
	if img.Tag == "" {
		return nil, fmt.Errorf("parameter %s: the image %s has no tag (pinned by digest)", tag, img.Repository)
	}
	params := [][2]string{{repo, img.Repository}, {tag, img.Tag}}
	if n.Digest != "" {
		params = append(params, [2]string{n.Digest, img.Digest})
	}
	return params, nil
}

func setParameter(list *yaml.Node, name, value string) error {
	for i, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			return fmt.Errorf("helm.parameters[%d] (line %d) is not a mapping", i, item.Line)
		}
		if _, n := yamledit.Get(item, "name"); n == nil || n.Value != name {
			continue
		}
		if err := setField(item, "value", str(value)); err != nil {
			return fmt.Errorf("helm.parameters[%d]: %w", i, err)
		}
		return setField(item, "forcestring", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	list.Content = append(list.Content, &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("name"), str(name), str("value"), str(value),
		str("forcestring"), {Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}}})
	return nil
}

// setField sets key of m to v; a key spelled in another case (Argo CD's
// own forceString) is updated where it is.
func setField(m *yaml.Node, key string, v *yaml.Node) error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			if m.Content[i+1].Kind != yaml.ScalarNode {
				return fmt.Errorf("%s (line %d) is not a scalar", key, m.Content[i+1].Line)
			}
			v.LineComment = m.Content[i+1].LineComment
			m.Content[i+1] = v
			return nil
		}
	}
	m.Content = append(m.Content, str(key), v)
	return nil
}
