package receiver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/time/rate"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanrequest"
)

// marker asks every ImagePolicy of a repository, in any namespace, to scan.
type marker struct {
	reader  client.Reader
	patcher scanrequest.Patcher
	index   string
	limiter *rate.Limiter
	metrics *metrics
	log     logr.Logger
}

// request sets one new scan-request value on the policies of repo, after
// waiting for the global rate limit, and returns how many it asked.
func (m *marker) request(ctx context.Context, repo string) (int, error) {
	if err := m.limiter.Wait(ctx); err != nil {
		return 0, err
	}
	keys, err := m.policies(ctx, repo)
	if err != nil {
		m.log.Error(err, "cannot list the policies of a pushed repository", "repository", repo)
		return 0, err
	}
	value := scanrequest.NewValue(time.Now())
	var errs []error
	asked := 0
	for _, k := range keys {
		err := scanrequest.Request(ctx, m.patcher, k, value)
		switch {
		case apierrors.IsNotFound(err): // deleted meanwhile
		case err != nil:
			errs = append(errs, err)
			m.metrics.marks.WithLabelValues("failed").Inc()
		default:
			asked++
			m.metrics.marks.WithLabelValues("requested").Inc()
		}
	}
	err = errors.Join(errs...)
	if err != nil {
		m.log.Error(err, "cannot ask every policy of a pushed repository to scan", "repository", repo)
	}
	m.log.Info("repository pushed: scans requested", "repository", repo, "policies", asked, "requestedAt", value)
	return asked, err
}

// policies returns the policies whose spec.image is repo, through the
// cache's repository index when there is one.
func (m *marker) policies(ctx context.Context, repo string) ([]types.NamespacedName, error) {
	var list v1alpha1.ImagePolicyList
	var opts []client.ListOption
	if m.index != "" {
		opts = append(opts, client.MatchingFields{m.index: repo})
	}
	if err := m.reader.List(ctx, &list, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
		return nil, fmt.Errorf("list ImagePolicies of %s: %w", repo, err)
	}
	var keys []types.NamespacedName
	for i := range list.Items {
		p := &list.Items[i]
		if r, err := name.NewRepository(p.Spec.Image); err == nil && r.Name() == repo {
			keys = append(keys, types.NamespacedName{Namespace: p.Namespace, Name: p.Name})
		}
	}
	return keys, nil
}
