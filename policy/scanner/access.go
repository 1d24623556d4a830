package scanner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/resolver"
)

// caKey is the key of the CA Secret that holds the PEM certificates.
const caKey = "ca.crt"

// errSecret marks a Secret that is missing or unusable; the policy's
// Ready condition then says SecretNotFound or InvalidSecret.
var errSecret = errors.New("secret")

// credentials are a policy's registry access and an identity under which
// registry results may be shared with other policies: the hash of everything
// that decides what the registry shows.
type credentials struct {
	access   resolver.Access
	identity string
}

// credentialsOf reads the Secrets that spec.secretRef, spec.serviceAccountName
// and spec.caSecretRef name, all in the policy's own namespace.
func credentialsOf(ctx context.Context, r client.Reader, p *v1alpha1.ImagePolicy) (credentials, error) {
	secrets, err := pullSecrets(ctx, r, p)
	if err != nil {
		return credentials{}, err
	}
	h := sha256.New()
	for _, s := range secrets {
		keys := make([]string, 0, len(s.Data))
		for k := range s.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(h, "%s=%x;", k, s.Data[k])
		}
	}
	var c credentials
	if c.access.Keychain, err = resolver.KeychainFromPullSecrets(secrets...); err != nil {
		return credentials{}, fmt.Errorf("%w: registry credentials of %s/%s: %v", errSecret, p.Namespace, p.Name, err)
	}
	if ref := p.Spec.CASecretRef; ref != nil {
		if c.access.CAPEM, err = secretKey(ctx, r, p.Namespace, ref.Name, caKey); err != nil {
			return credentials{}, err
		}
	}
	c.access.Insecure = p.Spec.Insecure
	fmt.Fprintf(h, "ca=%x;insecure=%t", c.access.CAPEM, c.access.Insecure)
	c.identity = hex.EncodeToString(h.Sum(nil))
	return c, nil
}

func pullSecrets(ctx context.Context, r client.Reader, p *v1alpha1.ImagePolicy) ([]corev1.Secret, error) {
	var names []string
	if p.Spec.SecretRef != nil {
		names = append(names, p.Spec.SecretRef.Name)
	}
	if sa := p.Spec.ServiceAccountName; sa != "" {
		var account corev1.ServiceAccount
		if err := r.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: sa}, &account); err != nil {
			return nil, fmt.Errorf("%w: service account %s/%s: %w", errSecret, p.Namespace, sa, err)
		}
		for _, ref := range account.ImagePullSecrets {
			names = append(names, ref.Name)
		}
	}
	secrets := make([]corev1.Secret, 0, len(names))
	for _, n := range names {
		var s corev1.Secret
		if err := r.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: n}, &s); err != nil {
			return nil, fmt.Errorf("%w: %s/%s: %w", errSecret, p.Namespace, n, err)
		}
		secrets = append(secrets, s)
	}
	return secrets, nil
}

func secretKey(ctx context.Context, r client.Reader, ns, name, key string) ([]byte, error) {
	var s corev1.Secret
	if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
		return nil, fmt.Errorf("%w: %s/%s: %w", errSecret, ns, name, err)
	}
	v, ok := s.Data[key]
	if !ok {
		return nil, fmt.Errorf("%w: %s/%s has no key %s", errSecret, ns, name, key)
	}
	return v, nil
}

// secretReason names the condition reason of a Secret problem.
func secretReason(err error) string {
	if apierrors.IsNotFound(err) {
		return v1alpha1.ReasonSecretNotFound
	}
	return v1alpha1.ReasonInvalidSecret
}
