// Package prom holds the one Prometheus helper imagepin's packages share.
package prom

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c into reg, or returns the equal collector registered
// before: controller-runtime's registry is process-wide, and a second
// component of one kind (a test's second manager, say) must share the
// first one's collectors instead of failing.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
