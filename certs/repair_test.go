package certs_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/certs"
)

// damage is something that happens to the Secret or a webhook
// configuration behind imagepin's back.
type damage func(ctx context.Context, e selfSignedEnv, sec *corev1.Secret) error

func overwrite(values map[string]string) damage {
	return func(ctx context.Context, e selfSignedEnv, sec *corev1.Secret) error {
		for k, v := range values {
			sec.Data[k] = []byte(v)
		}
		return e.cl.Update(ctx, sec)
	}
}

// TestSelfSignedRepairs damages a converged installation in each way an
// operator or a tool could, and expects imagepin to converge again: the
// Secret valid, both caBundles and the cert dir following it.
func TestSelfSignedRepairs(t *testing.T) {
	tests := map[string]struct {
		damage  damage
		keepsCA bool // the CA survives the repair
	}{
		"serving certificate garbage": {damage: overwrite(map[string]string{"tls.crt": "garbage"}), keepsCA: true},
		"serving key garbage":         {damage: overwrite(map[string]string{"tls.key": "garbage"}), keepsCA: true},
		"CA key garbage":              {damage: overwrite(map[string]string{certs.CAKeyKey: "garbage"})},
		"everything emptied": {damage: overwrite(map[string]string{
			"tls.crt": "", "tls.key": "", certs.CABundleKey: "", certs.CAKeyKey: "",
		})},
		"Secret deleted": {damage: func(ctx context.Context, e selfSignedEnv, sec *corev1.Secret) error {
			return e.cl.Delete(ctx, sec)
		}},
		"caBundle cleared by a chart upgrade": {keepsCA: true, damage: func(ctx context.Context, e selfSignedEnv, _ *corev1.Secret) error {
			v := &admissionv1.ValidatingWebhookConfiguration{}
			if err := e.cl.Get(ctx, client.ObjectKey{Name: e.config}, v); err != nil {
				return err
			}
			v.Webhooks[0].ClientConfig.CABundle = nil
			return e.cl.Update(ctx, v)
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newSelfSignedEnv(t)
			dir := t.TempDir()
			run(t, e.provider(t, dir, certs.WithTrustDelay(time.Second)))
			eventually(t, converge, "first convergence", func() (bool, string) { return e.converged(t.Context(), dir) })
			before, err := e.secret(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.damage(t.Context(), e, before.DeepCopy()); err != nil {
				t.Fatalf("damage: %v", err)
			}
			eventually(t, converge, "repair", func() (bool, string) { return e.converged(t.Context(), dir) })
			after, err := e.secret(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if keeps := bytes.Equal(after.Data[certs.CAKeyKey], before.Data[certs.CAKeyKey]); keeps != tc.keepsCA {
				t.Errorf("CA kept = %v, want %v", keeps, tc.keepsCA)
			}
		})
	}
}
