package webhook

import (
	"context"
	"fmt"
	"slices"

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
	return NeverMutated(h.own, namespace)
}

// NeverMutated reports whether Pods of namespace are never touched,
// whatever its labels: imagepin's own namespace (own), which must be able
// to start without imagepin, and the Kubernetes system namespaces.
func NeverMutated(own, namespace string) bool {
	return namespace == own || slices.Contains(systemNamespaces, namespace)
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
