package load

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape is one Prometheus text page, by metric family name.
type scrape map[string]*dto.MetricFamily

func parseScrape(page []byte) (scrape, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	return fams, nil
}

// series returns the metrics of family name whose labels include want.
func (s scrape) series(name string, want map[string]string) []*dto.Metric {
	fam, ok := s[name]
	if !ok {
		return nil
	}
	var out []*dto.Metric
	for _, m := range fam.GetMetric() {
		if hasLabels(m, want) {
			out = append(out, m)
		}
	}
	return out
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(want)
}

// value sums the counters or gauges of name that carry want.
func (s scrape) value(name string, want map[string]string) float64 {
	var sum float64
	for _, m := range s.series(name, want) {
		sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
	}
	return sum
}

// hist is a histogram summed over series: cumulative counts per upper
// bound, ending with +Inf.
type hist struct {
	count, sum float64
	bounds     []float64
	cum        []float64
}

// histogram sums the histograms of name that carry want; series with other
// bucket bounds than the first are an error.
func (s scrape) histogram(name string, want map[string]string) (hist, error) {
	var h hist
	for _, m := range s.series(name, want) {
		mh := m.GetHistogram()
		if h.bounds == nil {
			for _, b := range mh.GetBucket() {
				h.bounds = append(h.bounds, b.GetUpperBound())
			}
			h.cum = make([]float64, len(h.bounds))
		}
		if len(mh.GetBucket()) != len(h.bounds) {
			return hist{}, fmt.Errorf("%s: series with different buckets", name)
		}
		for i, b := range mh.GetBucket() {
			h.cum[i] += float64(b.GetCumulativeCount())
		}
		h.count += float64(mh.GetSampleCount())
		h.sum += mh.GetSampleSum()
	}
	return h, nil
}

// sub returns h minus an earlier reading of the same histogram.
func (h hist) sub(before hist) hist {
	out := hist{count: h.count - before.count, sum: h.sum - before.sum, bounds: h.bounds, cum: make([]float64, len(h.cum))}
	for i := range h.cum {
		out.cum[i] = h.cum[i]
		if i < len(before.cum) {
			out.cum[i] -= before.cum[i]
		}
	}
	return out
}

// add returns the sum of two deltas of the same histogram.
func (h hist) add(o hist) hist {
	if h.bounds == nil {
		return o
	}
	out := hist{count: h.count + o.count, sum: h.sum + o.sum, bounds: h.bounds, cum: append([]float64(nil), h.cum...)}
	for i := range o.cum {
		if i < len(out.cum) {
			out.cum[i] += o.cum[i]
		}
	}
	return out
}

// mean is sum/count, exact whatever the buckets.
func (h hist) mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return seconds(h.sum / h.count)
}

// quantile interpolates linearly inside the bucket that holds q, as
// PromQL's histogram_quantile does: only as precise as the buckets.
func (h hist) quantile(q float64) time.Duration {
	if h.count == 0 || len(h.bounds) == 0 {
		return 0
	}
	rank := q * h.count
	i := sort.Search(len(h.cum), func(i int) bool { return h.cum[i] >= rank })
	if i >= len(h.bounds) || math.IsInf(h.bounds[i], 1) {
		return seconds(h.bounds[len(h.bounds)-1]) // above the last finite bound
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = h.bounds[i-1], h.cum[i-1]
	}
	inBucket := h.cum[i] - below
	if inBucket <= 0 {
		return seconds(h.bounds[i])
	}
	return seconds(lower + (h.bounds[i]-lower)*(rank-below)/inBucket)
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
