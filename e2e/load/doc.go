// Package load holds the Pod-create load benchmark: imagepin runs as a
// separate process against a real control plane with kwok Nodes and a real
// registry, beside a plain namespace and a no-op "floor" webhook, so that its
// cost to the API server can be measured. It runs only with -bench:
//
//	go test ./e2e/load -run '^$' -bench PodCreate -benchtime 1x -timeout 90m
//
// BenchmarkPodCreate prints a summary table at its end and keeps it, the CPU
// profiles and the manager's log under out/ (git-ignored); README.md here
// explains the figures. The scanner's benchmarks are in e2e/scanload.
package load
