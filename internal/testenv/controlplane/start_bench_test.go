package controlplane

import (
	"context"
	"testing"
)

// BenchmarkStart measures how long Start takes with each set of
// components (Stop is not timed). Run it with a small -benchtime, e.g.
//
//	go test -run '^$' -bench Start -benchtime 3x ./internal/testenv/controlplane
func BenchmarkStart(b *testing.B) {
	cases := []struct {
		name string
		opts Options
	}{
		{"apiserver", Options{}},
		{"controller-manager", Options{ControllerManager: true}},
		{"kwok-2-nodes", Options{Nodes: 2}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				cp, err := Start(context.Background(), c.opts)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := cp.Stop(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
