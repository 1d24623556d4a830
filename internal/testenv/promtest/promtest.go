// Package promtest reads the value of a metric from a Prometheus registry,
// as tests check what a component counted.
//
// It complements prometheus/client_golang/prometheus/testutil: ToFloat64
// reads a collector the test holds, GatherAndCount counts the series of a
// registry; Value and Sum read a series, or all series, of a metric that
// only the registry gives access to (a component registers its collectors
// into a registry the test passes it).
//
// Like the rest of internal/testenv it does not import the testing
// package; only tests import it.
package promtest

import (
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/imagepin/imagepin/internal/testenv"
)

// Value returns the value of the series of metric name whose labels are
// exactly labels (nil for a metric without labels), read from g. The metric
// must be a counter, a gauge or untyped. A series that g does not gather
// reads 0, as a counter of a CounterVec that was never incremented does;
// labels whose names are not those of the metric's series, or a histogram
// or summary, fail the test, as does an error of g.
func Value(t testenv.TB, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	f := family(t, g, name)
	for _, m := range f.GetMetric() {
		if !sameNames(m, labels) {
			t.Fatalf("metric %s has labels %v, asked for %v", name, labelNames(m), slices.Sorted(maps.Keys(labels)))
			return 0
		}
		if sameValues(m, labels) {
			return value(t, f, m)
		}
	}
	return 0
}

// Sum returns the sum of the values of all series of metric name (a
// counter, a gauge or untyped) that g gathers, 0 when there are none; a
// histogram or summary fails the test, as does an error of g.
func Sum(t testenv.TB, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	f := family(t, g, name)
	sum := 0.0
	for _, m := range f.GetMetric() {
		sum += value(t, f, m)
	}
	return sum
}

// family returns the family name that g gathers, nil when there is none.
func family(t testenv.TB, g prometheus.Gatherer, name string) *dto.MetricFamily {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
		return nil
	}
	for _, f := range families {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

// value is the value of m, a series of f.
func value(t testenv.TB, f *dto.MetricFamily, m *dto.Metric) float64 {
	t.Helper()
	switch f.GetType() {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	case dto.MetricType_UNTYPED:
		return m.GetUntyped().GetValue()
	}
	t.Fatalf("metric %s is a %s, not a counter, gauge or untyped metric", f.GetName(), f.GetType())
	return 0
}

// sameNames reports whether m has exactly the label names of labels.
func sameNames(m *dto.Metric, labels map[string]string) bool {
	if len(m.GetLabel()) != len(labels) {
		return false
	}
	for _, l := range m.GetLabel() {
		if _, ok := labels[l.GetName()]; !ok {
			return false
		}
	}
	return true
}

// sameValues reports whether every label of m has its value in labels.
func sameValues(m *dto.Metric, labels map[string]string) bool {
	for _, l := range m.GetLabel() {
		if labels[l.GetName()] != l.GetValue() {
			return false
		}
	}
	return true
}

func labelNames(m *dto.Metric) []string {
	var names []string
	for _, l := range m.GetLabel() {
		names = append(names, l.GetName())
	}
	return names
}
