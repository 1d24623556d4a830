// Package load holds load benchmarks that run imagepin as a separate process
// against a real control plane and a real registry, so that its own time,
// registry requests, API writes and memory can be measured. They run only
// with -bench, one at a time (see FLEET.md for the figures):
//
//	go test ./e2e/load -run '^$' -bench 'BenchmarkScannerCycle$' -benchtime 1x -timeout 30m
//	go test ./e2e/load -run '^$' -bench 'BenchmarkScannerFleet$' -benchtime 1x -timeout 60m
package load
