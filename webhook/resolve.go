package webhook

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/imagepin/imagepin/resolver"
)

// DigestResolver resolves a tag to a digest through a cache shared by all
// admissions; *resolver.Resolver implements it.
type DigestResolver interface {
	CachedDigest(ctx context.Context, ref name.Tag, platform *v1.Platform, a resolver.Access) (v1.Hash, error)
}

// source says what became of one image.
type source int

const (
	kept         source = iota // already a digest
	fromPolicy                 // replaced by an ImagePolicy's status.current
	fromRegistry               // tag resolved to a digest
	failed                     // cannot be pinned; err says why
)

// outcome is the decision for one distinct image of a Pod.
type outcome struct {
	source source
	image  string // the pinned image, for fromPolicy and fromRegistry
	policy string // the governing ImagePolicy, for fromPolicy
	via    string // the revision whose image was kept, when not current
	note   string // a warning that goes with the outcome
	err    error  // for failed
}

// decide returns the outcome of every distinct image of ts. Digests,
// invalid references and governed images are decided from memory; the rest
// go to the registry together, concurrently and within the time budget.
func (h *PodHandler) decide(ctx context.Context, namespace, mode string, pod *podView, ts []target) map[string]outcome {
	out := make(map[string]outcome, len(ts))
	pending := map[string]name.Tag{}
	notes := map[string]string{}
	rev := &podRevision{pod: pod}
	for _, t := range ts {
		if _, seen := out[t.image]; seen {
			continue
		}
		if _, seen := pending[t.image]; seen {
			continue
		}
		o, tag, remote := h.local(ctx, namespace, mode, rev, t.image)
		if remote {
			pending[t.image], notes[t.image] = tag, o.note
			continue
		}
		out[t.image] = o
	}
	h.resolveAll(ctx, namespace, pod, pending, out)
	for img, note := range notes {
		o := out[img]
		o.note = note
		out[img] = o
	}
	return out
}

// local decides image without a registry, or returns its tag and true when
// only the registry can (with a note to pass on as a warning).
func (h *PodHandler) local(ctx context.Context, namespace, mode string, rev *podRevision, image string) (outcome, name.Tag, bool) {
	if strings.Contains(image, "@") {
		if _, err := name.NewDigest(image); err != nil {
			return failure(fmt.Errorf("invalid image reference: %w", err)), name.Tag{}, false
		}
		return outcome{source: kept}, name.Tag{}, false
	}
	tag, err := h.tags.parse(image)
	if err != nil {
		return failure(fmt.Errorf("invalid image reference: %w", err)), name.Tag{}, false
	}
	pol, ok, err := h.policies.Lookup(ctx, namespace, tag.Context())
	switch {
	case err != nil:
		return failure(err), name.Tag{}, false
	case !ok:
		return outcome{}, tag, true
	}
	o, remote := h.governed(ctx, namespace, mode, rev, pol)
	return o, tag, remote
}

// resolveAll resolves the pending tags into out, at most the configured
// number at a time and all within the resolve timeout.
func (h *PodHandler) resolveAll(ctx context.Context, namespace string, pod *podView, pending map[string]name.Tag, out map[string]outcome) {
	if len(pending) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, h.opts.resolveTimeout)
	defer cancel()
	images := slices.Sorted(maps.Keys(pending))
	access, err := h.access(ctx, namespace, pod)
	if err != nil {
		for _, img := range images {
			out[img] = failure(err)
		}
		return
	}
	results := make([]outcome, len(images))
	var g errgroup.Group
	g.SetLimit(h.opts.concurrency)
	for i, img := range images {
		g.Go(func() error {
			results[i] = h.resolve(ctx, img, pending[img], access)
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through results, never an error
	for i, img := range images {
		out[img] = results[i]
	}
}

// resolve pins image, whose tag is tag, to the tag's current digest.
func (h *PodHandler) resolve(ctx context.Context, image string, tag name.Tag, a resolver.Access) outcome {
	d, err := h.digests.CachedDigest(ctx, tag, nil, a)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("not resolved within %s: %w", h.opts.resolveTimeout, err)
	}
	if err != nil {
		return failure(err)
	}
	if !hasTag(image) {
		image += ":" + tag.TagStr() // make the implied tag visible: nginx → nginx:latest@sha256:…
	}
	return outcome{source: fromRegistry, image: image + "@" + d.String()}
}

// hasTag reports whether image names its tag: a colon after the last slash
// (a colon before it belongs to the registry's port).
func hasTag(image string) bool {
	return strings.Contains(image[strings.LastIndex(image, "/")+1:], ":")
}

func failure(err error) outcome {
	return outcome{source: failed, err: err}
}
