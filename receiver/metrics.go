package receiver

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/prom"
)

// Results: the label values of imagepin_registry_events_total{result}.
const (
	ResultAccepted     = "accepted"     // pushes found; scans requested (after debouncing)
	ResultIgnored      = "ignored"      // understood, but no push (pull, delete, blob, ping)
	ResultUnauthorized = "unauthorized" // wrong or missing token (401)
	ResultTooLarge     = "too_large"    // body over the limit (413)
	ResultBadRequest   = "bad_request"  // unreadable or unknown body (400)
	ResultRateLimited  = "rate_limited" // too many requests or repositories at once (429)
	ResultNotAllowed   = "not_allowed"  // not a POST (405)
	ResultNotFound     = "not_found"    // not under /registry-events/ (404)
	ResultUnavailable  = "unavailable"  // the receiver's Secret cannot be read (503)
)

// metrics are the receiver's Prometheus collectors.
type metrics struct {
	events *prometheus.CounterVec
	marks  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imagepin_registry_events_total",
			Help: "Registry notifications received, by source format and result.",
		}, []string{"source", "result"}),
		marks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imagepin_registry_event_scan_requests_total",
			Help: "ImagePolicies asked to scan because their repository was pushed, by result (requested or failed).",
		}, []string{"result"}),
	}
	var err error
	if m.events, err = prom.Register(reg, m.events); err != nil {
		return nil, fmt.Errorf("register receiver metrics: %w", err)
	}
	if m.marks, err = prom.Register(reg, m.marks); err != nil {
		return nil, fmt.Errorf("register receiver metrics: %w", err)
	}
	return m, nil
}
