package certs

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/certs/pki"
)

// Keys of the self-signed Secret besides tls.crt and tls.key.
const (
	// CABundleKey holds every CA the webhook configurations trust, the
	// signing CA first (cert-manager's key name for the CA).
	CABundleKey = "ca.crt"
	// CAKeyKey holds the signing CA's private key, so that any replica
	// can issue.
	CAKeyKey = "ca.key"
)

// ensureSecret makes the Secret hold what the policy decides now. When
// another replica wrote first (AlreadyExists on create, Conflict on
// update: the resourceVersion moved), it reads the Secret again and
// decides on what won, so that all replicas end with the same bytes.
func (r *selfSigned) ensureSecret(ctx context.Context) (pki.Decision, error) {
	var d pki.Decision
	err := retry.OnError(retry.DefaultRetry, lostRace, func() error {
		var err error
		d, err = r.applySecret(ctx)
		return err
	})
	return d, err
}

func lostRace(err error) bool {
	return apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err)
}

func (r *selfSigned) applySecret(ctx context.Context) (pki.Decision, error) {
	sec := &corev1.Secret{}
	err := r.client.Get(ctx, r.secret, sec)
	if err != nil && !apierrors.IsNotFound(err) {
		return pki.Decision{}, fmt.Errorf("read Secret %s: %w", r.secret, err)
	}
	exists := err == nil
	d, err := r.policy.Plan(stateOf(sec), time.Now())
	if err != nil || !d.Changed() {
		return d, err
	}
	setState(sec, d.State)
	if exists {
		err = r.client.Update(ctx, sec)
	} else {
		sec.ObjectMeta = metav1.ObjectMeta{Namespace: r.secret.Namespace, Name: r.secret.Name, Labels: managedLabels()}
		sec.Type = corev1.SecretTypeTLS
		err = r.client.Create(ctx, sec)
	}
	if err != nil {
		return d, fmt.Errorf("write Secret %s: %w", r.secret, err)
	}
	logf.FromContext(ctx).Info("certificate Secret written", "secret", r.secret.String(), "reasons", d.Reasons,
		"servingSerial", d.Serving.SerialNumber.Text(16), "servingNotAfter", d.Serving.NotAfter, "caNotAfter", d.CA.NotAfter)
	return d, nil
}

func stateOf(sec *corev1.Secret) pki.State {
	return pki.State{
		Bundle: sec.Data[CABundleKey], CAKey: sec.Data[CAKeyKey],
		Cert: sec.Data[corev1.TLSCertKey], Key: sec.Data[corev1.TLSPrivateKeyKey],
	}
}

func setState(sec *corev1.Secret, s pki.State) {
	if sec.Data == nil {
		sec.Data = map[string][]byte{}
	}
	sec.Data[CABundleKey], sec.Data[CAKeyKey] = s.Bundle, s.CAKey
	sec.Data[corev1.TLSCertKey], sec.Data[corev1.TLSPrivateKeyKey] = s.Cert, s.Key
}

// managedLabels mark the objects imagepin creates (and may change).
func managedLabels() map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":       "imagepin",
		"app.kubernetes.io/component":  "webhook-certificate",
		"app.kubernetes.io/managed-by": "imagepin",
	}
}
