package scan

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/selection"
	"github.com/imagepin/imagepin/resolver"
)

// Registry is what a scan needs of a registry client; *resolver.Resolver
// implements it.
type Registry interface {
	ListTags(ctx context.Context, repo name.Repository, a resolver.Access) ([]string, error)
	Digest(ctx context.Context, ref name.Reference, platform *v1.Platform, a resolver.Access) (v1.Hash, error)
}

// Result is the latest allowed tag of a repository and its digest.
type Result struct {
	// Repository is the policy's image after normalisation.
	Repository name.Repository
	// Tag is the chosen tag, as the registry lists it.
	Tag string
	// Digest is the tag's digest (the platform's manifest with spec.platform).
	Digest v1.Hash
	// TagCount is how many tags the registry listed; 0 when the strategy
	// needs no listing (spec.select.tag).
	TagCount int
}

// Spec scans the repository of spec with the credentials and transport
// settings of a. spec.pin is not applied: a scan reports what the registry
// offers, and the caller decides what is current.
func Spec(ctx context.Context, reg Registry, spec *v1alpha1.ImagePolicySpec, a resolver.Access) (Result, error) {
	repo, err := name.NewRepository(spec.Image)
	if err != nil {
		return Result{}, fmt.Errorf("image %q: %w", spec.Image, err)
	}
	platform, err := ParsePlatform(spec.Platform)
	if err != nil {
		return Result{}, err
	}
	sel, err := selection.New(spec.Select, spec.FilterTags)
	if err != nil {
		return Result{}, err
	}
	res := Result{Repository: repo}
	if res.Tag, res.TagCount, err = chooseTag(ctx, reg, repo, spec, sel, a); err != nil {
		return Result{}, err
	}
	if res.Digest, err = reg.Digest(ctx, repo.Tag(res.Tag), platform, a); err != nil {
		return Result{}, fmt.Errorf("digest of %s:%s: %w", repo.Name(), res.Tag, err)
	}
	return res, nil
}

// chooseTag lists the tags and selects one. Following one mutable tag needs
// no listing: the digest lookup itself says whether the tag exists.
func chooseTag(ctx context.Context, reg Registry, repo name.Repository, spec *v1alpha1.ImagePolicySpec,
	sel *selection.Selector, a resolver.Access) (string, int, error) {
	if spec.Select.Tag != nil && spec.FilterTags == nil {
		return spec.Select.Tag.Name, 0, nil
	}
	tags, err := reg.ListTags(ctx, repo, a)
	if err != nil {
		return "", 0, fmt.Errorf("list tags of %s: %w", repo.Name(), err)
	}
	tag, err := sel.Latest(tags)
	if err != nil {
		return "", len(tags), fmt.Errorf("%s: %w", repo.Name(), err)
	}
	return tag, len(tags), nil
}

// ParsePlatform parses spec.platform; "" means no platform (the index digest).
func ParsePlatform(s string) (*v1.Platform, error) {
	if s == "" {
		return nil, nil
	}
	p, err := v1.ParsePlatform(s)
	if err != nil {
		return nil, fmt.Errorf("platform %q: %w", s, err)
	}
	return p, nil
}
