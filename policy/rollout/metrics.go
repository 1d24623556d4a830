package rollout

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/prom"
)

type metrics struct {
	rollouts  *prometheus.CounterVec
	restarted *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		rollouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imagepin_rollouts_total",
			Help: "Rollouts of a change of current, by result: started, adopted (not rolled out: chosen before rollouts existed), skipped (nothing to roll out: no workload that the webhook pins uses the repository; nothing written), failed (retried).",
		}, []string{"result"}),
		restarted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imagepin_rollout_workloads_restarted_total",
			Help: "Workloads whose Pod template imagepin annotated to roll out a change, by kind.",
		}, []string{"kind"}),
	}
	var err error
	if m.rollouts, err = prom.Register(reg, m.rollouts); err != nil {
		return nil, fmt.Errorf("register rollout metrics: %w", err)
	}
	if m.restarted, err = prom.Register(reg, m.restarted); err != nil {
		return nil, fmt.Errorf("register rollout metrics: %w", err)
	}
	return m, nil
}
