// Package load holds load benchmarks that run imagepin as a separate process
// against a real control plane and a real registry, so that its own time,
// registry requests and memory can be measured. They run only with -bench:
//
//	go test ./e2e/load -run '^$' -bench ScannerCycle -benchtime 1x
//	go test ./e2e/load -run '^$' -bench PodCreate -benchtime 1x -timeout 90m
//
// BenchmarkPodCreate prints a summary table at its end and keeps it, the CPU
// profiles and the manager's log under out/ (git-ignored); README.md here
// explains the figures.
package load
