package webhook_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// countedResult returns the one result that reg counted, failing the test
// unless exactly one request was counted and timed.
func countedResult(t testing.TB, reg *prometheus.Registry) string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	result, total, observed := "", 0.0, uint64(0)
	for _, f := range families {
		switch f.GetName() {
		case "imagepin_admission_requests_total":
			for _, m := range f.GetMetric() {
				if v := m.GetCounter().GetValue(); v > 0 {
					result, total = m.GetLabel()[0].GetValue(), total+v
				}
			}
		case "imagepin_admission_duration_seconds":
			observed = f.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	if total != 1 || observed != 1 {
		t.Fatalf("metrics counted %v requests and timed %d, want 1 and 1", total, observed)
	}
	return result
}

// counterValue is the value of the counter family name with the one label
// value label.
func counterValue(t testing.TB, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if m.GetLabel()[0].GetValue() == label {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// counterSum is the sum of the counter family name over all its series.
func counterSum(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
