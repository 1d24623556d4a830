package main

import (
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
// replica: it finds policies through the webhook's repository index of the
// manager's cache and asks for scans through their annotation, which the
// leader's scanner acts on. addWebhooks registers the index.
func (o *managerOptions) addReceiver(mgr ctrl.Manager) error {
	if !o.receiverEnabled() {
		return nil
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
