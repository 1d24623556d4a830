package webhook

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"golang.org/x/sync/singleflight"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/resolver"
)

// DefaultPullSecretTTL is how long a pull secret, once read, serves later
// admissions: long enough that a scale-up of hundreds of Pods reads it once,
// short enough that a rotated or deleted Secret stops being used soon.
const DefaultPullSecretTTL = 10 * time.Second

// maxPullSecrets bounds the Secrets (and keychains) kept in memory.
const maxPullSecrets = 4096

// access says how registry lookups for pod reach their registries: with the
// extra CA, and with the credentials of the Pod's imagePullSecrets when
// enabled. They are read only when an image needs the registry.
func (h *PodHandler) access(ctx context.Context, namespace string, pod *podView) (resolver.Access, error) {
	a := resolver.Access{CAPEM: h.opts.registryCA}
	if !h.opts.pullSecrets || len(pod.Spec.ImagePullSecrets) == 0 {
		return a, nil
	}
	kc, err := h.secrets.keychain(ctx, namespace, pod.Spec.ImagePullSecrets)
	if err != nil || kc == nil {
		return a, err
	}
	a.Keychain = kc
	return a, nil
}

// pullSecrets reads the Secrets that Pods name in imagePullSecrets, one by
// one from the API server (a cluster-wide Secret informer would hold every
// Secret of the cluster in memory), and keeps each for a short TTL, keyed by
// namespace and name; concurrent admissions that need one Secret share one
// read. Keychains are kept by namespace, name and resourceVersion of their
// Secrets, so a Secret read again unchanged is not parsed again.
type pullSecrets struct {
	reader    client.Reader
	ttl       time.Duration
	secrets   *cache.LRUExpireCache // "namespace/name" → *corev1.Secret, nil when missing
	keychains *cache.LRUExpireCache // "namespace/name@resourceVersion,…" → authn.Keychain
	reads     singleflight.Group
}

// newPullSecrets reads through reader and keeps what it read for ttl.
func newPullSecrets(reader client.Reader, ttl time.Duration) *pullSecrets {
	return &pullSecrets{reader: reader, ttl: ttl,
		secrets: cache.NewLRUExpireCache(maxPullSecrets), keychains: cache.NewLRUExpireCache(maxPullSecrets)}
}

// keychain returns the keychain of the Secrets that refs name in
// namespace, or nil when none exists. Missing ones are skipped, as the
// kubelet skips them.
func (p *pullSecrets) keychain(ctx context.Context, namespace string, refs []corev1.LocalObjectReference) (authn.Keychain, error) {
	var found []corev1.Secret
	var key strings.Builder
	for _, ref := range refs {
		if ref.Name == "" {
			continue
		}
		s, err := p.get(ctx, namespace, ref.Name)
		if err != nil {
			return nil, err
		}
		if s != nil {
			found = append(found, *s)
			fmt.Fprintf(&key, "%s/%s@%s,", namespace, s.Name, s.ResourceVersion)
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	if kc, ok := p.keychains.Get(key.String()); ok {
		return kc.(authn.Keychain), nil
	}
	kc, err := resolver.KeychainFromPullSecrets(found...)
	if err != nil {
		return nil, fmt.Errorf("image pull secrets: %w", err)
	}
	p.keychains.Add(key.String(), kc, p.ttl)
	return kc, nil
}

// get returns the Secret namespace/name, nil when it does not exist.
func (p *pullSecrets) get(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	key := namespace + "/" + name
	if v, ok := p.secrets.Get(key); ok {
		return v.(*corev1.Secret), nil
	}
	ch := p.reads.DoChan(key, func() (any, error) { return p.read(ctx, namespace, name) })
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*corev1.Secret), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("read image pull secret %s: %w", key, ctx.Err())
	}
}

// read reads the Secret namespace/name and caches what a keychain needs of
// it; a missing Secret is cached as nil.
func (p *pullSecrets) read(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	key := namespace + "/" + name
	var s corev1.Secret
	err := p.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s)
	if apierrors.IsNotFound(err) {
		logf.FromContext(ctx).V(1).Info("image pull secret not found", "secret", name)
		p.secrets.Add(key, (*corev1.Secret)(nil), p.ttl)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read image pull secret %s: %w", key, err)
	}
	kept := &corev1.Secret{Type: s.Type, Data: map[string][]byte{}}
	kept.Name, kept.Namespace, kept.ResourceVersion = s.Name, s.Namespace, s.ResourceVersion
	for _, k := range []string{corev1.DockerConfigJsonKey, corev1.DockerConfigKey} {
		if v, ok := s.Data[k]; ok {
			kept.Data[k] = v
		}
	}
	p.secrets.Add(key, kept, p.ttl)
	return kept, nil
}
