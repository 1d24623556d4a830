package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// systemNamespaces are never mutated, whatever their labels: a broken
// registry must never keep the cluster's own Pods from starting.
var systemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// exempt reports whether Pods of namespace are never touched.
func (h *PodHandler) exempt(namespace string) bool {
	if namespace == h.own {
		return true // imagepin must be able to start without itself
	}
	for _, ns := range systemNamespaces {
		if namespace == ns {
			return true
		}
	}
	return false
}

// mode returns the namespace's pinning label value when it opts in
// (v1alpha1.PinningEnabled or PinningStrict), and "" otherwise. It reads the
// informer cache, and the API server only for a namespace the cache has not
// seen yet (one created a moment ago).
func (h *PodHandler) mode(ctx context.Context, namespace string) (string, error) {
	var ns corev1.Namespace
	key := client.ObjectKey{Name: namespace}
	err := h.cache.Get(ctx, key, &ns)
	if apierrors.IsNotFound(err) && h.opts.apiReader != nil {
		err = h.opts.apiReader.Get(ctx, key, &ns)
	}
	if err != nil {
		return "", fmt.Errorf("read namespace %s: %w", namespace, err)
	}
	switch v := ns.Labels[v1alpha1.PinningLabel]; v {
	case v1alpha1.PinningEnabled, v1alpha1.PinningStrict:
		return v, nil
	}
	return "", nil
}
