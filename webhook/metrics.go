package webhook

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/prom"
)

// Results of one admission request, the values of the result label of
// imagepin_admission_requests_total.
const (
	// ResultPinned means at least one image was replaced by the
	// status.current of an ImagePolicy.
	ResultPinned = "pinned"
	// ResultResolved means images were changed, all of them by resolving
	// their tag in the registry.
	ResultResolved = "resolved"
	// ResultUnchanged means the Pod was admitted as submitted: nothing to
	// pin, an exempt namespace or Pod, or (in enabled namespaces) images that
	// could not be pinned.
	ResultUnchanged = "unchanged"
	// ResultDenied means a strict namespace refused a Pod with an image that
	// cannot be pinned.
	ResultDenied = "denied"
	// ResultError means the request could not be handled: malformed object,
	// unreadable namespace, failed patch. In enabled namespaces the Pod was
	// admitted as submitted, with a warning.
	ResultError = "error"
)

// results lists every result, so each series exists from the start.
var results = []string{ResultPinned, ResultResolved, ResultUnchanged, ResultDenied, ResultError}

// metrics are the handler's Prometheus collectors.
type metrics struct {
	requests *prometheus.CounterVec
	duration prometheus.Histogram
}

// newMetrics creates the collectors and registers them into reg, if any.
// Collectors that an earlier handler registered into reg are reused.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imagepin_admission_requests_total",
			Help: "Pod admission requests handled by imagepin, by result (pinned, resolved, unchanged, denied, error).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "imagepin_admission_duration_seconds",
			Help:    "Time imagepin took to answer a Pod admission request.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	if reg != nil {
		var err error
		if m.requests, err = prom.Register(reg, m.requests); err != nil {
			return nil, err
		}
		if m.duration, err = prom.Register(reg, m.duration); err != nil {
			return nil, err
		}
	}
	for _, r := range results {
		m.requests.WithLabelValues(r)
	}
	return m, nil
}

// observe records one answered request.
func (m *metrics) observe(result string, took time.Duration) {
	m.requests.WithLabelValues(result).Inc()
	m.duration.Observe(took.Seconds())
}
