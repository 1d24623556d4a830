package promtest_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/promtest"
)

// registry holds a counter and a gauge with labels, a counter without
// labels, an untyped metric and a histogram.
func registry(t *testing.T) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "requests_total", Help: "h"}, []string{"code", "host"})
	temperature := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "temperature", Help: "h"}, []string{"room"})
	hits := prometheus.NewCounter(prometheus.CounterOpts{Name: "hits_total", Help: "h"})
	untyped := prometheus.NewUntypedFunc(prometheus.UntypedOpts{Name: "answer", Help: "h"}, func() float64 { return 42 })
	duration := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "duration_seconds", Help: "h"})
	reg.MustRegister(requests, temperature, hits, untyped, duration)

	requests.WithLabelValues("200", "a").Add(3)
	requests.WithLabelValues("404", "a").Inc()
	requests.WithLabelValues("200", "b").Add(5)
	requests.WithLabelValues("500", "b") // a series at 0
	temperature.WithLabelValues("kitchen").Set(21.5)
	temperature.WithLabelValues("cellar").Set(-2)
	hits.Add(7)
	duration.Observe(1)
	return reg
}

func TestValue(t *testing.T) {
	reg := registry(t)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"requests_total", map[string]string{"code": "200", "host": "a"}, 3},
		{"requests_total", map[string]string{"host": "b", "code": "200"}, 5},
		{"requests_total", map[string]string{"code": "404", "host": "a"}, 1},
		{"requests_total", map[string]string{"code": "500", "host": "b"}, 0},
		{"requests_total", map[string]string{"code": "503", "host": "a"}, 0}, // no such series
		{"temperature", map[string]string{"room": "kitchen"}, 21.5},
		{"temperature", map[string]string{"room": "cellar"}, -2},
		{"hits_total", nil, 7},
		{"hits_total", map[string]string{}, 7},
		{"answer", nil, 42},
		{"absent_total", map[string]string{"code": "200"}, 0}, // no such family
	}
	for _, tc := range tests {
		if got := promtest.Value(t, reg, tc.name, tc.labels); got != tc.want {
			t.Errorf("Value(%s, %v) = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
}

func TestSum(t *testing.T) {
	reg := registry(t)
	tests := map[string]float64{
		"requests_total": 9,
		"temperature":    19.5,
		"hits_total":     7,
		"answer":         42,
		"absent_total":   0,
	}
	for name, want := range tests {
		if got := promtest.Sum(t, reg, name); got != want {
			t.Errorf("Sum(%s) = %v, want %v", name, got, want)
		}
	}
}

// TestFailures: asking for other label names than the metric's, a
// histogram, or a registry that cannot gather fails the test.
func TestFailures(t *testing.T) {
	reg := registry(t)
	broken := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		return nil, errors.New("collector broke")
	})
	tests := map[string]struct {
		read func(testenv.TB)
		want string
	}{
		"some labels": {
			func(t testenv.TB) { promtest.Value(t, reg, "requests_total", map[string]string{"code": "200"}) },
			"metric requests_total has labels [code host], asked for [code]",
		},
		"misspelt label": {
			func(t testenv.TB) { promtest.Value(t, reg, "temperature", map[string]string{"rom": "kitchen"}) },
			"metric temperature has labels [room], asked for [rom]",
		},
		"no labels": {
			func(t testenv.TB) { promtest.Value(t, reg, "temperature", nil) },
			"metric temperature has labels [room], asked for []",
		},
		"labels of a metric without": {
			func(t testenv.TB) { promtest.Value(t, reg, "hits_total", map[string]string{"code": "200"}) },
			"metric hits_total has labels [], asked for [code]",
		},
		"histogram value": {
			func(t testenv.TB) { promtest.Value(t, reg, "duration_seconds", nil) },
			"metric duration_seconds is a HISTOGRAM, not a counter, gauge or untyped metric",
		},
		"histogram sum": {
			func(t testenv.TB) { promtest.Sum(t, reg, "duration_seconds") },
			"metric duration_seconds is a HISTOGRAM, not a counter, gauge or untyped metric",
		},
		"gather error": {
			func(t testenv.TB) { promtest.Value(t, broken, "hits_total", nil) },
			"gather metrics: collector broke",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fatal(tc.read); !strings.Contains(got, tc.want) {
				t.Errorf("failure %q, want %q", got, tc.want)
			}
		})
	}
}

// fatal runs read as a test would and returns the message it failed
// with, "" when it did not.
func fatal(read func(testenv.TB)) string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		read(r)
	}()
	<-done
	return r.msg
}

// recorder is a test that records its failure; Fatal and Fatalf end the
// goroutine, as those of testing.T do.
type recorder struct {
	testenv.TB
	msg string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatal(args ...any) {
	r.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
