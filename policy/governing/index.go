package governing

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// RepositoryIndex is the field index of ImagePolicy objects by their
// repository after normalisation ("nginx" → "index.docker.io/library/nginx").
const RepositoryIndex = "imagepin.dev/repository"

// IndexPolicies registers RepositoryIndex with indexer, e.g. the manager's
// GetFieldIndexer(), before the cache starts. Every component that reads
// the index registers it itself (the Pod webhook, the revision recorder,
// the rollout controller, the receiver's wiring), so a registration with
// an indexer that already has the index does nothing.
func IndexPolicies(ctx context.Context, indexer client.FieldIndexer) error {
	err := indexer.IndexField(ctx, &v1alpha1.ImagePolicy{}, RepositoryIndex, policyRepository)
	if err != nil && !alreadyIndexed(err) {
		return fmt.Errorf("index ImagePolicies by repository: %w", err)
	}
	return nil
}

// alreadyIndexed reports whether err is how an informer refuses a second
// index of the same name (client-go's "indexer conflict", which carries no
// type to test for). RepositoryIndex is this package's name and only
// IndexPolicies registers it, so the index there is the same one.
func alreadyIndexed(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "indexer conflict") && strings.Contains(msg, RepositoryIndex)
}

// policyRepository is the index function: the normalised spec.image.
func policyRepository(obj client.Object) []string {
	p, ok := obj.(*v1alpha1.ImagePolicy)
	if !ok {
		return nil
	}
	repo, ok := Repository(p.Spec.Image)
	if !ok {
		return nil // the validating webhook rejects these; nothing to govern
	}
	return []string{repo}
}

// Repository returns the normalised repository of image, a repository
// without tag or digest as spec.image holds it.
func Repository(image string) (string, bool) {
	repo, err := name.NewRepository(image)
	if err != nil {
		return "", false
	}
	return repo.Name(), true
}

// RepositoryOf returns the normalised repository of a reference with a tag
// or digest, as status.current.image and Pod images hold them.
func RepositoryOf(ref string) (string, bool) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", false
	}
	return r.Context().Name(), true
}
