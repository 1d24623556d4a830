package recorder

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/prom"
)

type metrics struct {
	recorded *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{recorded: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "imagepin_revision_images_recorded_total",
		Help: "Images recorded onto workload revisions (ReplicaSet, ControllerRevision, Job), by kind.",
	}, []string{"kind"})}
	var err error
	if m.recorded, err = prom.Register(reg, m.recorded); err != nil {
		return nil, fmt.Errorf("register recorder metrics: %w", err)
	}
	return m, nil
}
