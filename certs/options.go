package certs

import (
	"errors"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the options; the manager's flags show them.
const (
	DefaultSecretName               = "imagepin-webhook-tls"
	DefaultServiceName              = "imagepin-webhook"
	DefaultWebhookConfigurationName = "imagepin"
	DefaultValidity                 = 90 * 24 * time.Hour
	DefaultRenewBefore              = 30 * 24 * time.Hour
	DefaultCAValidity               = 10 * 365 * 24 * time.Hour
	DefaultCARenewBefore            = 365 * 24 * time.Hour
	DefaultTrustDelay               = time.Minute
	DefaultIssuerKind               = cmapi.IssuerKind
)

// Option configures New. Options that a mode does not use are ignored, so
// the manager can pass all of its flags whatever the mode.
type Option func(*options) error

// WithCertDir is the folder of tls.crt and tls.key: written in the
// self-signed and cert-manager modes, read in external mode. Required.
func WithCertDir(dir string) Option {
	return func(o *options) error { o.certDir = dir; return nil }
}

// WithNamespace is imagepin's own namespace, which holds the Secret and
// the webhook Service. Required except in external mode.
func WithNamespace(namespace string) Option {
	return func(o *options) error { o.namespace = namespace; return nil }
}

// WithSecretName names the Secret of the key pair (and, in cert-manager
// mode, the Certificate too). Default DefaultSecretName.
func WithSecretName(name string) Option {
	return func(o *options) error {
		if name == "" {
			return errors.New("empty certificate Secret name")
		}
		o.secretName = name
		return nil
	}
}

// WithService names the webhook Service; the certificate is issued for
// <service>.<namespace>.svc and <service>.<namespace>.svc.cluster.local.
// Default DefaultServiceName.
func WithService(name string) Option {
	return func(o *options) error {
		if name == "" {
			return errors.New("empty webhook Service name")
		}
		o.serviceName = name
		return nil
	}
}

// WithWebhookConfigurations names imagepin's MutatingWebhookConfiguration
// and ValidatingWebhookConfiguration, whose caBundle the self-signed mode
// keeps in sync; "" leaves that kind alone. Default
// DefaultWebhookConfigurationName for both. Unused in the other modes.
func WithWebhookConfigurations(mutating, validating string) Option {
	return func(o *options) error { o.mutating, o.validating = mutating, validating; return nil }
}

// WithExtraSANs adds DNS names and IP addresses to the serving
// certificate, such as 127.0.0.1 when the manager runs outside the cluster.
func WithExtraSANs(sans ...string) Option {
	return func(o *options) error { o.sans = append(o.sans, sans...); return nil }
}

// WithValidity sets the serving certificate's lifetime and how long before
// its expiry it is renewed. Defaults DefaultValidity and
// DefaultRenewBefore.
func WithValidity(validity, renewBefore time.Duration) Option {
	return func(o *options) error { o.validity, o.renewBefore = validity, renewBefore; return nil }
}

// WithCAValidity sets the self-signed CA's lifetime and how long before its
// expiry a new CA replaces it; it must be renewed before the serving
// certificate. Defaults DefaultCAValidity and DefaultCARenewBefore.
func WithCAValidity(validity, renewBefore time.Duration) Option {
	return func(o *options) error { o.caValidity, o.caRenewBefore = validity, renewBefore; return nil }
}

// WithTrustDelay is how long a new self-signed CA sits in the caBundle
// before it signs the certificate that is served: enough for every API
// server to see the new bundle. Default DefaultTrustDelay.
func WithTrustDelay(d time.Duration) Option {
	return func(o *options) error { o.trustDelay = d; return nil }
}

// WithIssuer is the cert-manager issuer of the Certificate: kind Issuer (in
// imagepin's namespace) or ClusterIssuer. Required in cert-manager mode.
func WithIssuer(name, kind string) Option {
	return func(o *options) error { o.issuerName, o.issuerKind = name, kind; return nil }
}

// WithMetrics registers the certificate expiry gauge into reg, such as
// controller-runtime's metrics.Registry. Without it the gauge is kept but
// not exported.
func WithMetrics(reg prometheus.Registerer) Option {
	return func(o *options) error { o.registerer = reg; return nil }
}
