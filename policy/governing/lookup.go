package governing

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/revision"
)

// Policy is the governing ImagePolicy of a repository, as the cache holds
// it: read only.
type Policy struct {
	// Name of the ImagePolicy.
	Name string
	// Repository is its normalised spec.image.
	Repository string
	// Strategy is its spec.rollout.strategy.
	Strategy v1alpha1.RolloutStrategy
	// Untrusted says why status.current is not used, "" when it is (or
	// when there is none).
	Untrusted string

	status *v1alpha1.ImagePolicyStatus
	// entries are those of Entries when entriesKnown (Memory computes them
	// once per change of the policy).
	entries      []v1alpha1.ImageRecord
	entriesKnown bool
}

// Current returns status.current, or nil when the policy has not chosen an
// image yet or its current is not trusted.
func (p Policy) Current() *v1alpha1.CurrentImage {
	if p.status == nil || p.Untrusted != "" {
		return nil
	}
	return p.status.Current
}

// Entries returns the values of current that Pods of this repository may be
// pinned to, newest first: those of status.history (and current) that are
// digests of the policy's repository. A history entry of another
// repository (spec.image was edited) is skipped.
func (p Policy) Entries() []v1alpha1.ImageRecord {
	if p.entriesKnown {
		return p.entries
	}
	return p.computeEntries()
}

// computeEntries computes Entries.
func (p Policy) computeEntries() []v1alpha1.ImageRecord {
	if p.Current() == nil {
		return nil
	}
	all := revision.Entries(p.status)
	out := make([]v1alpha1.ImageRecord, 0, len(all))
	for _, e := range all {
		if PinsRepository(e.Image, p.Repository) {
			out = append(out, e)
		}
	}
	return out
}

// Policies reads governing policies from a cache indexed by IndexPolicies.
type Policies struct {
	reader client.Reader
}

// NewPolicies returns a lookup over reader (the manager's cache).
func NewPolicies(reader client.Reader) *Policies {
	return &Policies{reader: reader}
}

// Lookup returns the policy of namespace that governs repo: of those whose
// spec.image is repo, the first by name that has a trusted current, else
// the first by name. It answers from memory.
func (c *Policies) Lookup(ctx context.Context, namespace string, repo name.Repository) (Policy, bool, error) {
	var list v1alpha1.ImagePolicyList
	err := c.reader.List(ctx, &list, client.InNamespace(namespace),
		client.MatchingFields{RepositoryIndex: repo.Name()}, client.UnsafeDisableDeepCopy)
	if err != nil {
		return Policy{}, false, fmt.Errorf("list ImagePolicies of %s in %s: %w", repo.Name(), namespace, err)
	}
	var best Policy
	found := false
	for i := range list.Items {
		v := view(&list.Items[i], repo.Name())
		if !found || better(v, best) {
			best, found = v, true
		}
	}
	return best, found, nil
}

// better orders governing candidates: a trusted current first, then by name.
func better(a, b Policy) bool {
	if ac, bc := a.Current() != nil, b.Current() != nil; ac != bc {
		return ac
	}
	return a.Name < b.Name
}

// view makes the Policy of p, whose spec.image is repo.
func view(p *v1alpha1.ImagePolicy, repo string) Policy {
	v := Policy{Name: p.Name, Repository: repo, Strategy: v1alpha1.RolloutStrategyOf(&p.Spec), status: &p.Status}
	if cur := p.Status.Current; cur != nil && !PinsRepository(cur.Image, repo) {
		v.Untrusted = fmt.Sprintf("status.current.image %q is not a digest of spec.image %s (spec.image was edited and no scan has succeeded since)", cur.Image, repo)
	}
	return v
}

// PinsRepository reports whether image is repo:tag@digest or repo@digest.
func PinsRepository(image, repo string) bool {
	d, err := name.NewDigest(image)
	return err == nil && d.Context().Name() == repo
}
