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
