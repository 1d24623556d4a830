package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/resolver"
)

// access says how registry lookups for pod reach their registries: with the
// extra CA, and with the credentials of the Pod's imagePullSecrets when
// enabled. The Secrets are read from the API server, not from a cache: a
// cluster-wide Secret informer would hold every Secret of the cluster in
// imagepin's memory. They are read only when an image needs the registry.
func (h *PodHandler) access(ctx context.Context, namespace string, pod *podView) (resolver.Access, error) {
	a := resolver.Access{CAPEM: h.opts.registryCA}
	if !h.opts.pullSecrets || len(pod.Spec.ImagePullSecrets) == 0 {
		return a, nil
	}
	secrets, err := h.pullSecrets(ctx, namespace, pod.Spec.ImagePullSecrets)
	if err != nil || len(secrets) == 0 {
		return a, err
	}
	if a.Keychain, err = resolver.KeychainFromPullSecrets(secrets...); err != nil {
		return a, fmt.Errorf("image pull secrets: %w", err)
	}
	return a, nil
}

// pullSecrets reads the Secrets that refs name. Missing ones are skipped,
// as the kubelet skips them.
func (h *PodHandler) pullSecrets(ctx context.Context, namespace string, refs []corev1.LocalObjectReference) ([]corev1.Secret, error) {
	secrets := make([]corev1.Secret, 0, len(refs))
	for _, ref := range refs {
		if ref.Name == "" {
			continue
		}
		var s corev1.Secret
		err := h.opts.apiReader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, &s)
		if apierrors.IsNotFound(err) {
			logf.FromContext(ctx).V(1).Info("image pull secret not found", "secret", ref.Name)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read image pull secret %s/%s: %w", namespace, ref.Name, err)
		}
		secrets = append(secrets, s)
	}
	return secrets, nil
}
