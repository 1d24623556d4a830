package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/policy/revision"
	"github.com/imagepin/imagepin/workload"
)

// governed decides an image whose repository pol governs: the image of the
// Pod's revision. A policy with no (trusted) current yet cannot pin: a
// strict namespace denies the image, an enabled one resolves its tag in the
// registry (remote) with a warning.
func (h *PodHandler) governed(ctx context.Context, namespace, mode string, rev *podRevision, pol governing.Policy) (outcome, bool) {
	if pol.Current() == nil {
		why := fmt.Sprintf("ImagePolicy %s has not chosen an image yet", pol.Name)
		if pol.Untrusted != "" {
			why = fmt.Sprintf("ImagePolicy %s is not used: %s", pol.Name, pol.Untrusted)
		}
		if mode == v1alpha1.PinningStrict {
			return failure(errors.New(why)), false
		}
		return outcome{note: why + "; tag resolved in the registry instead"}, true
	}
	image, via := h.revisionImage(ctx, namespace, rev, pol)
	return outcome{source: fromPolicy, image: image, policy: pol.Name, via: via}, false
}

// podRevision is the revision of the Pod under admission, looked up once
// and only when an image is governed.
type podRevision struct {
	pod    *podView
	looked bool
	key    workload.Key
	has    bool // the Pod belongs to a revision
	found  bool // the cache holds the revision
	rev    workload.Revision
}

// revisionImage returns the image of pol's repository for the Pod's
// revision, and the revision's name when that is not current. Bare Pods get
// current. A revision's own record wins; otherwise the value that had
// settled when the revision was created. A revision the cache does not hold
// yet was created an instant ago: it is judged as created now.
func (h *PodHandler) revisionImage(ctx context.Context, namespace string, r *podRevision, pol governing.Policy) (string, string) {
	cur := pol.Current().Image
	h.lookupRevision(ctx, namespace, r)
	if !r.has {
		return cur, ""
	}
	image := ""
	if rec, ok := r.rev.Record[pol.Repository]; ok && governing.PinsRepository(rec, pol.Repository) {
		image = rec
	} else {
		created := r.rev.Created
		if !r.found {
			created = time.Now()
		}
		e, ok := revision.Choose(pol.Entries(), created)
		if !ok {
			return cur, ""
		}
		image = e.Image
	}
	if image == cur {
		return cur, ""
	}
	return image, string(r.key.Kind) + " " + r.key.Names[0]
}

// lookupRevision fills r on its first call. A failed lookup (the cache
// cannot fail for a kind it holds) is logged and treated as not found.
func (h *PodHandler) lookupRevision(ctx context.Context, namespace string, r *podRevision) {
	if r.looked {
		return
	}
	r.looked = true
	if r.key, r.has = workload.RevisionOf(r.pod.controller(), r.pod.Metadata.Labels); !r.has {
		return
	}
	rev, found, err := h.revisions.Revision(ctx, namespace, r.key)
	if err != nil {
		logf.FromContext(ctx).Error(err, "revision lookup failed; judging the revision as new", "revision", r.key.Names[0])
	}
	r.rev, r.found = rev, found
}
