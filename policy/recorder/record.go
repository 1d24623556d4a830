package recorder

import (
	"context"
	"fmt"

	"time"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/revision"
	"github.com/imagepin/imagepin/workload"
)

// record adds to the revision key of kind an entry for each governed
// repository its template names that its record lacks. Entries are never
// changed: the record is the revision's image for good.
func (r *Recorder) record(ctx context.Context, kind workload.Kind, key types.NamespacedName) error {
	obj := workload.NewObject(kind)
	if err := r.opts.Client.Get(ctx, key, obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	if obj.GetDeletionTimestamp() != nil {
		return nil
	}
	if in, err := r.optedIn(ctx, key.Namespace); err != nil || !in {
		return err
	}
	repos, ok := workload.TemplateRepositories(obj)
	if !ok {
		return nil
	}
	rec := revision.ParseRecord(obj.GetAnnotations()[v1alpha1.RevisionImagesAnnotation])
	added, err := r.missing(ctx, key.Namespace, obj.GetCreationTimestamp().Time, repos, rec)
	if err != nil || len(added) == 0 {
		return err
	}
	if rec == nil {
		rec = map[string]string{}
	}
	for repo, image := range added {
		rec[repo] = image
	}
	before := obj.DeepCopyObject().(client.Object)
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[v1alpha1.RevisionImagesAnnotation] = revision.FormatRecord(rec)
	obj.SetAnnotations(ann)
	if err := r.opts.Client.Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("record images of %s %s: %w", kind, key, err)
	}
	r.metrics.recorded.WithLabelValues(string(kind)).Add(float64(len(added)))
	ctrl.LoggerFrom(ctx).V(1).Info("recorded revision images", "kind", kind, "revision", key.Name, "images", added)
	return nil
}

// missing returns the entries the record rec of a revision created at
// created lacks: for each of its template's repositories repos that a
// policy with a current governs, the image the webhook gives its Pods.
func (r *Recorder) missing(ctx context.Context, namespace string, created time.Time, repos []string, rec map[string]string) (map[string]string, error) {
	added := map[string]string{}
	for _, repo := range repos {
		if _, ok := rec[repo]; ok {
			continue
		}
		ref, err := name.NewRepository(repo)
		if err != nil {
			continue
		}
		pol, found, err := r.policies.Lookup(ctx, namespace, ref)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		if e, ok := revision.Choose(pol.Entries(), created); ok {
			added[repo] = e.Image
		}
	}
	return added, nil
}

// optedIn reports whether namespace opts in to pinning.
func (r *Recorder) optedIn(ctx context.Context, namespace string) (bool, error) {
	var ns corev1.Namespace
	if err := r.opts.Client.Get(ctx, client.ObjectKey{Name: namespace}, &ns); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	switch ns.Labels[v1alpha1.PinningLabel] {
	case v1alpha1.PinningEnabled, v1alpha1.PinningStrict:
		return true, nil
	}
	return false, nil
}
