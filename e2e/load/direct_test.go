package load

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// The direct benchmark (a): Pods created by a client, the shape of the
// issue's acceptance figure.
const (
	directRounds  = 3
	directPerRun  = 150
	directWorkers = 4
	directWarmup  = 8 // unmeasured creates before each run: connections, caches
)

// directRun is one namespace's run of one shape in one round.
type directRun struct {
	took    []time.Duration
	metrics phaseMetrics
}

// directResult is everything the direct benchmark measured for one shape:
// one run per round in each namespace.
type directResult struct {
	shape podShape
	runs  map[string][]directRun // by namespace
}

// directNamespaces are the namespaces of the direct benchmark.
func directNamespaces() []string {
	return []string{nsDirectPlain, nsDirectFloor, nsDirectEnabled}
}

// runDirect runs every round. Within a round each shape runs in every
// namespace back to back; the order rotates from one shape and round to
// the next, so that each namespace runs in each position equally often and
// load noise hits them alike.
func (f *fleet) runDirect(ctx context.Context) ([]*directResult, error) {
	var results []*directResult
	for _, s := range podShapes() {
		results = append(results, &directResult{shape: s, runs: map[string][]directRun{}})
	}
	for round := range directRounds {
		for si, res := range results {
			order := directNamespaces()
			k := (round + si) % len(order)
			order = append(order[k:], order[:k]...)
			for _, ns := range order {
				run, err := f.directRun(ctx, ns, res.shape, round)
				if err != nil {
					return nil, fmt.Errorf("round %d, %s, %s: %w", round+1, res.shape.name, ns, err)
				}
				res.runs[ns] = append(res.runs[ns], run)
			}
		}
	}
	return results, nil
}

func (f *fleet) directRun(ctx context.Context, ns string, shape podShape, round int) (directRun, error) {
	prefix := fmt.Sprintf("r%d-%dc", round, shape.containers)
	if _, err := f.createPods(ctx, ns, prefix+"-warm", shape, directWarmup, directWorkers); err != nil {
		return directRun{}, err
	}
	before, err := f.take(ctx)
	if err != nil {
		return directRun{}, err
	}
	took, err := f.createPods(ctx, ns, prefix, shape, directPerRun, directWorkers)
	if err != nil {
		return directRun{}, err
	}
	after, err := f.takeAfter(ctx)
	if err != nil {
		return directRun{}, err
	}
	m, err := diff(before, after)
	if err != nil {
		return directRun{}, err
	}
	return directRun{took: took, metrics: m}, f.deletePods(ctx, ns)
}

// pooled returns the latencies of all runs, sorted.
func pooled(runs []directRun) []time.Duration {
	var all []time.Duration
	for _, r := range runs {
		all = append(all, r.took...)
	}
	slices.Sort(all)
	return all
}

// summed adds up the metrics of all runs.
func summed(runs []directRun) phaseMetrics {
	var m phaseMetrics
	for i, r := range runs {
		if i == 0 {
			m = r.metrics
			continue
		}
		m = m.add(r.metrics)
	}
	return m
}

// percentile of sorted latencies, nearest rank.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func sortedCopy(d []time.Duration) []time.Duration {
	out := slices.Clone(d)
	slices.Sort(out)
	return out
}

// roundRatios are each round's p50 ratio of namespace ns to base.
func (r *directResult) roundRatios(ns, base string) []float64 {
	a, b := r.runs[ns], r.runs[base]
	out := make([]float64, min(len(a), len(b)))
	for i := range out {
		out[i] = ratio(percentile(sortedCopy(a[i].took), 0.5), percentile(sortedCopy(b[i].took), 0.5))
	}
	return out
}

// p50Ratio is the ratio of the pooled p50s of namespace ns and base.
func (r *directResult) p50Ratio(ns, base string) float64 {
	return ratio(percentile(pooled(r.runs[ns]), 0.5), percentile(pooled(r.runs[base]), 0.5))
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
