package resolver

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/prom"
)

// metrics holds the resolver's Prometheus collectors.
type metrics struct {
	requests    *prometheus.CounterVec
	cacheHits   prometheus.Counter
	cacheMisses prometheus.Counter
}

// newMetrics creates the collectors and registers them into reg (if any).
// A collector that another Resolver already registered into reg is reused,
// so the manager may build a resolver for the scanner and one for the webhook.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imagepin_registry_requests_total",
			Help: "HTTP requests sent to container registries, by registry host (\"other\" for hosts no policy names) and status code (\"error\" when no response arrived).",
		}, []string{"registry", "code"}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "imagepin_resolver_cache_hits_total",
			Help: "Tag to digest lookups answered from the resolver cache.",
		}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "imagepin_resolver_cache_misses_total",
			Help: "Tag to digest lookups that had to ask the registry (or wait for a lookup in flight).",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.requests, err = prom.Register(reg, m.requests); err != nil {
		return nil, err
	}
	if m.cacheHits, err = prom.Register(reg, m.cacheHits); err != nil {
		return nil, err
	}
	m.cacheMisses, err = prom.Register(reg, m.cacheMisses)
	return m, err
}

// countingTransport is the innermost layer: it sees every request that goes
// on the wire, retries and token requests included.
type countingTransport struct {
	next    http.RoundTripper
	metrics *metrics
	labels  *registryLabels
}

// RoundTrip implements http.RoundTripper.
func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	t.metrics.requests.WithLabelValues(t.labels.of(req.Context(), req.URL.Host), code).Inc()
	counterFrom(req.Context()).add()
	return resp, err
}
