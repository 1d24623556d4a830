package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/workload"
)

// SetupWithManager serves h on mgr's webhook server (see Register) and
// prepares what h reads from mgr's cache, the cache given to NewPodHandler:
// the policies' repository index (governing.IndexPolicies), which the
// policy lookup reads when its cache hands out no informers, and the
// informers of revision objects (workload.StartInformers) and of
// Namespaces, read on every admission. Started with the cache, they sync
// before the manager reports ready, so no admission waits for a first
// list. The webhook runs on every replica, not only on the leader.
func (h *PodHandler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := governing.IndexPolicies(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	if err := workload.StartInformers(ctx, mgr.GetCache()); err != nil {
		return err
	}
	if _, err := mgr.GetCache().GetInformer(ctx, &corev1.Namespace{}); err != nil {
		return fmt.Errorf("namespace informer: %w", err)
	}
	h.Register(mgr.GetWebhookServer())
	return nil
}
