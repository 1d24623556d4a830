package writeback

import (
	"context"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/cache"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// retain removes the clones of the targets that no policy writes to any
// more. A cycle of a target without policies calls it: the last policy of
// the target was deleted or moved elsewhere.
func (r *Reconciler) retain(ctx context.Context) error {
	var list v1alpha1.ImagePolicyList
	if err := r.opts.Client.List(ctx, &list); err != nil {
		return fmt.Errorf("list policies: %w", err)
	}
	keep := make([]gitrepo.Target, 0, len(list.Items))
	for i := range list.Items {
		if t, ok := targetOf(&list.Items[i]); ok {
			keep = append(keep, t.gitrepo())
		}
	}
	n, err := r.writer.Retain(keep)
	if n > 0 {
		logf.FromContext(ctx).Info("removed the clones of repositories no policy writes to", "clones", n)
	}
	if err != nil {
		return fmt.Errorf("remove unused clones: %w", err)
	}
	return nil
}

// sweeper removes unused clones when the leader starts (the cache folder
// may hold clones of a previous leader's targets, on an emptyDir that
// outlives the container) and then every interval, for the targets whose
// last policy went while this replica was not leader.
type sweeper struct {
	r        *Reconciler
	cache    cache.Cache
	interval time.Duration
}

// NeedLeaderElection makes the sweeper run on the leader only, beside the
// controller that writes the clones.
func (sweeper) NeedLeaderElection() bool { return true }

// Start sweeps until ctx ends.
func (s sweeper) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("writeback-sweeper")
	ctx = logf.IntoContext(ctx, log)
	if !s.cache.WaitForCacheSync(ctx) {
		return nil // stopped before the cache synced
	}
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		if err := s.r.retain(ctx); err != nil {
			log.Error(err, "sweep of the Git cache")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
