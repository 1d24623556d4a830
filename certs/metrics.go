package certs

import (
	"crypto/x509"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/prom"
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
	gauge, err := prom.Register(reg, gauge)
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", ExpiryMetric, err)
	}
	return &expiry{gauge: gauge}, nil
}

func (e *expiry) set(cert string, c *x509.Certificate) {
	if c != nil {
		e.gauge.WithLabelValues(cert).Set(float64(c.NotAfter.Unix()))
	}
}
