package gitrepo

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/prom"
)

// Results of a push, the values of the pushes metric's result label.
const (
	pushSucceeded = "succeeded"
	pushRejected  = "rejected" // the branch moved, or the server refused it
	pushAuth      = "authentication_failed"
	pushFailed    = "error"
)

// metrics are the Writer's Prometheus collectors.
type metrics struct {
	pushes     *prometheus.CounterVec
	duration   prometheus.Histogram
	cacheBytes prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imagepin_writeback_pushes_total",
			Help: "Git pushes of write-back commits by result: succeeded, rejected (the branch moved or the server refused), authentication_failed, error.",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "imagepin_writeback_push_duration_seconds",
			Help:    "Duration of one Git push of a write-back commit, successful or not.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 10),
		}),
		cacheBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "imagepin_writeback_git_cache_bytes",
			Help: "Disk space that the clones of Git write-back take, measured after each write.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.pushes, err = prom.Register(reg, m.pushes); err != nil {
		return nil, fmt.Errorf("register write-back metrics: %w", err)
	}
	if m.duration, err = prom.Register(reg, m.duration); err != nil {
		return nil, fmt.Errorf("register write-back metrics: %w", err)
	}
	if m.cacheBytes, err = prom.Register(reg, m.cacheBytes); err != nil {
		return nil, fmt.Errorf("register write-back metrics: %w", err)
	}
	for _, r := range []string{pushSucceeded, pushRejected, pushAuth, pushFailed} {
		m.pushes.WithLabelValues(r)
	}
	return m, nil
}
