package writeback

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/prom"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// Results of a write-back cycle, the values of the commits metric's label.
const (
	resultCommitted = "committed" // a commit was pushed
	resultUnchanged = "unchanged" // Git already held every image: no commit
	resultFailed    = "failed"    // no commit: see the WrittenBack conditions
)

// metrics are the controller's Prometheus collectors; gitrepo keeps the
// push metrics.
type metrics struct {
	commits *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{commits: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "imagepin_writeback_commits_total",
		Help: "Git write-back cycles (one per repository, branch and credentials) by result: committed, unchanged (Git already held every image), failed.",
	}, []string{"result"})}
	var err error
	if m.commits, err = prom.Register(reg, m.commits); err != nil {
		return nil, fmt.Errorf("register write-back metrics: %w", err)
	}
	for _, r := range []string{resultCommitted, resultUnchanged, resultFailed} {
		m.commits.WithLabelValues(r)
	}
	return m, nil
}

func (m *metrics) cycle(res gitrepo.Result, err error) {
	switch {
	case err != nil:
		m.commits.WithLabelValues(resultFailed).Inc()
	case res.Pushed:
		m.commits.WithLabelValues(resultCommitted).Inc()
	default:
		m.commits.WithLabelValues(resultUnchanged).Inc()
	}
}
