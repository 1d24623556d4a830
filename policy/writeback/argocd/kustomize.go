package argocd

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/imagepin/imagepin/policy/writeback/kustomize"
)

// SetKustomizeImage returns the override file src (nil when missing) with
// img in kustomize.images: the entries for img's repository are replaced
// by one, where the first was (keeping an old= prefix), or it is added.
func SetKustomizeImage(src []byte, img Image) ([]byte, error) {
	doc, root, err := open(src)
	if err != nil {
		return nil, err
	}
	k, err := child(root, "kustomize", yaml.MappingNode, "kustomize")
	if err != nil {
		return nil, err
	}
	images, err := child(k, "images", yaml.SequenceNode, "kustomize.images")
	if err != nil {
		return nil, err
	}
	if err := setImage(images, img); err != nil {
		return nil, err
	}
	return encode(doc)
}

func setImage(images *yaml.Node, img Image) error {
	kept := images.Content[:0:0]
	placed := false
	for i, item := range images.Content {
		if item.Kind != yaml.ScalarNode {
			return fmt.Errorf("kustomize.images[%d] (line %d) is not a string", i, item.Line)
		}
		old, ok := matchImage(item.Value, img.Repository)
		switch {
		case !ok:
			kept = append(kept, item)
		case !placed:
			placed = true
			item.Value, item.Tag, item.Style = old+img.Ref(), "!!str", 0
			kept = append(kept, item)
		}
	}
	if !placed {
		kept = append(kept, str(img.Ref()))
	}
	images.Content = kept
	return nil
}

// matchImage reports whether a kustomize.images entry,
// [old=]name[:tag][@digest], is for repository (by old or name), and
// returns its "old=" prefix.
func matchImage(entry, repository string) (string, bool) {
	prefix, image := "", entry
	if old, rest, ok := strings.Cut(entry, "="); ok {
		prefix, image = old+"=", rest
		if kustomize.SameRepository(old, repository) {
			return prefix, true
		}
	}
	return prefix, kustomize.SameRepository(repositoryOf(image), repository)
}

// repositoryOf strips the tag and digest from an image reference.
func repositoryOf(ref string) string {
	if at := strings.IndexByte(ref, '@'); at >= 0 {
		ref = ref[:at]
	}
	if colon := strings.LastIndexByte(ref, ':'); colon > strings.LastIndexByte(ref, '/') {
		ref = ref[:colon]
	}
	return ref
}
