package scanner

import (
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/imagepin/imagepin/internal/prom"
)

// Results of imagepin_scan_status_writes_total.
const (
	statusWritten   = "written"
	statusUnchanged = "unchanged"
	statusFailed    = "failed"
)

// metrics are the scanner's Prometheus collectors.
type metrics struct {
	scans    *prometheus.CounterVec
	duration prometheus.Histogram
	policies *prometheus.GaugeVec
	// statusWrites counts the status writes after scans, by statusWritten,
	// statusUnchanged (not written) and statusFailed.
	statusWrites *prometheus.CounterVec

	mu    sync.Mutex
	ready map[types.NamespacedName]metav1.ConditionStatus
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imagepin_scans_total",
			Help: "Scans of ImagePolicies by result: Succeeded or the Ready condition's failure reason.",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "imagepin_scan_duration_seconds",
			Help:    "Duration of one ImagePolicy's scan, registry work and pin resolution included.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}),
		policies: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "imagepin_policies",
			Help: "ImagePolicies by the status of their Ready condition, as this scanner last saw them.",
		}, []string{"ready"}),
		statusWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imagepin_scan_status_writes_total",
			Help: "Status writes after ImagePolicy scans by result: written, unchanged (a scan that changed nothing writes nothing) or failed.",
		}, []string{"result"}),
		ready: map[types.NamespacedName]metav1.ConditionStatus{},
	}
	var err error
	if m.scans, err = prom.Register(reg, m.scans); err != nil {
		return nil, fmt.Errorf("register scanner metrics: %w", err)
	}
	if m.duration, err = prom.Register(reg, m.duration); err != nil {
		return nil, fmt.Errorf("register scanner metrics: %w", err)
	}
	if m.policies, err = prom.Register(reg, m.policies); err != nil {
		return nil, fmt.Errorf("register scanner metrics: %w", err)
	}
	if m.statusWrites, err = prom.Register(reg, m.statusWrites); err != nil {
		return nil, fmt.Errorf("register scanner metrics: %w", err)
	}
	for _, s := range []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown} {
		m.policies.WithLabelValues(string(s)).Set(0)
	}
	return m, nil
}

// setReady records a policy's Ready status; "" forgets a deleted policy.
func (m *metrics) setReady(key types.NamespacedName, status metav1.ConditionStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.ready[key]; ok {
		m.policies.WithLabelValues(string(old)).Dec()
		delete(m.ready, key)
	}
	if status != "" {
		m.ready[key] = status
		m.policies.WithLabelValues(string(status)).Inc()
	}
}
