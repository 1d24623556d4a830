package certs

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// ExpiryMetric is the gauge of certificate expiry times, labelled cert:
// "serving" for the certificate the webhook server serves now, "ca" for
// the CA that signed it (self-signed and cert-manager modes).
const ExpiryMetric = "imagepin_certificate_expiry_timestamp_seconds"

const (
	certServing = "serving"
	certCA      = "ca"
)

type expiry struct {
	gauge *prometheus.GaugeVec
}

// newExpiry registers the gauge into reg (when not nil). A second Provider
// in the same process shares the gauge already registered.
func newExpiry(reg prometheus.Registerer) (*expiry, error) {
	gauge := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: ExpiryMetric,
		Help: "Unix time at which a certificate of the webhook server expires (cert=serving: the one served now; cert=ca: its CA).",
	}, []string{"cert"})
	if reg == nil {
		return &expiry{gauge: gauge}, nil
	}
	if err := reg.Register(gauge); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, fmt.Errorf("register %s: %w", ExpiryMetric, err)
		}
		existing, ok := are.ExistingCollector.(*prometheus.GaugeVec)
		if !ok {
			return nil, fmt.Errorf("register %s: a %T of that name exists", ExpiryMetric, are.ExistingCollector)
		}
		gauge = existing
	}
	return &expiry{gauge: gauge}, nil
}

func (e *expiry) set(cert string, c *x509.Certificate) {
	if c != nil {
		e.gauge.WithLabelValues(cert).Set(float64(c.NotAfter.Unix()))
	}
}
