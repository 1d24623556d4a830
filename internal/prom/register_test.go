package prom

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterReusesEqualCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "imagepin_test_total", Help: "test"}
	first, err := Register(reg, prometheus.NewCounter(opts))
	if err != nil {
		t.Fatal(err)
	}
	second, err := Register(reg, prometheus.NewCounter(opts))
	if err != nil || second != first {
		t.Fatalf("second registration = %v, %v; want the first collector", second, err)
	}
	if _, err := Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "imagepin_test_total", Help: "other"})); err == nil {
		t.Error("a different collector under the same name registered without error")
	}
}
