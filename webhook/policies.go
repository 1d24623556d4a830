package webhook

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// PolicyRepositoryIndex is the field index of ImagePolicy objects by their
// repository after normalisation ("nginx" → "index.docker.io/library/nginx").
const PolicyRepositoryIndex = "imagepin.dev/repository"

// Pin is the image an ImagePolicy enforces.
type Pin struct {
	// Policy is the name of the ImagePolicy.
	Policy string
	// Image is its status.current.image, repository:tag@digest.
	Image string
}

// PolicyLookup finds the ImagePolicy of a namespace that governs a
// repository and has a status.current. It must answer from memory: it runs
// on every admission.
type PolicyLookup interface {
	Lookup(ctx context.Context, namespace string, repo name.Repository) (Pin, bool, error)
}

// IndexPolicies registers PolicyRepositoryIndex with indexer, e.g. the
// manager's GetFieldIndexer(), before the cache starts.
func IndexPolicies(ctx context.Context, indexer client.FieldIndexer) error {
	if err := indexer.IndexField(ctx, &v1alpha1.ImagePolicy{}, PolicyRepositoryIndex, policyRepository); err != nil {
		return fmt.Errorf("index ImagePolicies by repository: %w", err)
	}
	return nil
}

// policyRepository is the index function: the normalised spec.image.
func policyRepository(obj client.Object) []string {
	p, ok := obj.(*v1alpha1.ImagePolicy)
	if !ok {
		return nil
	}
	repo, err := name.NewRepository(p.Spec.Image)
	if err != nil {
		return nil // the validating webhook rejects these; nothing to govern
	}
	return []string{repo.Name()}
}

// CachedPolicies is the PolicyLookup that reads ImagePolicies from a cache
// indexed by IndexPolicies.
type CachedPolicies struct {
	reader client.Reader
}

// NewPolicyLookup returns a PolicyLookup over reader, which must serve
// ImagePolicies with PolicyRepositoryIndex (the manager's cache).
func NewPolicyLookup(reader client.Reader) *CachedPolicies {
	return &CachedPolicies{reader: reader}
}

// Lookup implements PolicyLookup. When several policies govern repo, the
// first by name wins, so that every replica and every admission agree.
func (c *CachedPolicies) Lookup(ctx context.Context, namespace string, repo name.Repository) (Pin, bool, error) {
	var list v1alpha1.ImagePolicyList
	err := c.reader.List(ctx, &list, client.InNamespace(namespace),
		client.MatchingFields{PolicyRepositoryIndex: repo.Name()}, client.UnsafeDisableDeepCopy)
	if err != nil {
		return Pin{}, false, fmt.Errorf("list ImagePolicies of %s in %s: %w", repo.Name(), namespace, err)
	}
	var pin Pin
	for i := range list.Items {
		p := &list.Items[i]
		cur := p.Status.Current
		if cur == nil || cur.Image == "" || (pin.Policy != "" && p.Name > pin.Policy) {
			continue
		}
		pin = Pin{Policy: p.Name, Image: cur.Image}
	}
	return pin, pin.Policy != "", nil
}
