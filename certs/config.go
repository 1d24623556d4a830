package certs

import (
	"errors"
	"fmt"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/certs/pki"
)

// options are what the Options set, over defaults().
type options struct {
	certDir, namespace, secretName, serviceName string
	mutating, validating                        string
	sans                                        []string
	validity, renewBefore                       time.Duration
	caValidity, caRenewBefore, trustDelay       time.Duration
	issuerName, issuerKind                      string
	registerer                                  prometheus.Registerer
}

func defaults() options {
	return options{
		secretName: DefaultSecretName, serviceName: DefaultServiceName,
		mutating: DefaultWebhookConfigurationName, validating: DefaultWebhookConfigurationName,
		validity: DefaultValidity, renewBefore: DefaultRenewBefore,
		caValidity: DefaultCAValidity, caRenewBefore: DefaultCARenewBefore, trustDelay: DefaultTrustDelay,
		issuerKind: DefaultIssuerKind,
	}
}

func newOptions(mode Mode, opts []Option) (options, error) {
	o := defaults()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return options{}, err
		}
	}
	return o, o.validate(mode)
}

func (o options) validate(mode Mode) error {
	errs := []error{}
	if o.certDir == "" {
		errs = append(errs, errors.New("a cert dir is required"))
	}
	if mode != External && o.namespace == "" {
		errs = append(errs, fmt.Errorf("--cert-mode=%s needs imagepin's namespace", mode))
	}
	switch mode {
	case External:
	case SelfSigned:
		errs = append(errs, o.policy().Validate())
	case CertManager:
		errs = append(errs, o.validateCertManager())
	default:
		errs = append(errs, fmt.Errorf("unknown certificate mode %q", mode))
	}
	return errors.Join(errs...)
}

func (o options) validateCertManager() error {
	var errs []error
	if o.issuerName == "" {
		errs = append(errs, errors.New("--cert-mode=cert-manager needs an issuer name"))
	}
	if o.issuerKind != cmapi.IssuerKind && o.issuerKind != cmapi.ClusterIssuerKind {
		errs = append(errs, fmt.Errorf("issuer kind %q: must be %s or %s", o.issuerKind, cmapi.IssuerKind, cmapi.ClusterIssuerKind))
	}
	if o.renewBefore <= 0 || o.renewBefore >= o.validity {
		errs = append(errs, fmt.Errorf("renew-before %s must be positive and shorter than the validity %s", o.renewBefore, o.validity))
	}
	return errors.Join(errs...)
}

// names are the serving certificate's SANs: the webhook Service's names
// that the API server dials, then the extra ones.
func (o options) names() pki.Names {
	svc := o.serviceName + "." + o.namespace + ".svc"
	return pki.ParseNames(append([]string{svc, svc + ".cluster.local"}, o.sans...)...)
}

func (o options) policy() pki.Policy {
	return pki.Policy{
		Names: o.names(), Validity: o.validity, RenewBefore: o.renewBefore,
		CAValidity: o.caValidity, CARenewBefore: o.caRenewBefore, TrustDelay: o.trustDelay,
	}
}
