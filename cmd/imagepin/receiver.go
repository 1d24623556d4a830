package main

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/receiver"
)

func (o *managerOptions) receiverEnabled() bool {
	return o.receiverBindAddress != "" && o.receiverBindAddress != "0"
}

// addReceiver adds the registry notification receiver, which runs on every
// replica: it finds policies through the repository index of the manager's
// cache (registered here too, as the components that read it do) and asks
// for scans through their annotation, which the leader's scanner acts on.
func (o *managerOptions) addReceiver(ctx context.Context, mgr ctrl.Manager) error {
	if !o.receiverEnabled() {
		return nil
	}
	if err := governing.IndexPolicies(ctx, mgr.GetFieldIndexer()); err != nil {
		return fmt.Errorf("receiver: %w", err)
	}
	secret := types.NamespacedName{Namespace: o.namespace, Name: o.receiverSecret}
	r, err := receiver.New(receiver.Options{
		Addr:            o.receiverBindAddress,
		Tokens:          receiver.NewSecretToken(mgr.GetAPIReader(), secret, receiver.DefaultTokenTTL),
		Policies:        mgr.GetCache(),
		RepositoryIndex: governing.RepositoryIndex,
		Patcher:         mgr.GetClient(),
		Registerer:      metrics.Registry,
	})
	if err != nil {
		return fmt.Errorf("receiver: %w", err)
	}
	return mgr.Add(r)
}
