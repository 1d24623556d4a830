// Package scanload holds the scanner's load benchmarks: `imagepin manager`
// runs as a separate process against a real control plane and a real
// Distribution registry, so that its time, registry requests, API writes,
// events and memory (peak RSS, live heap) can be measured. They run only
// with -bench, one at a time:
//
//	go test ./e2e/scanload -run '^$' -bench 'BenchmarkScannerCycle$' -benchtime 1x -timeout 30m
//	go test ./e2e/scanload -run '^$' -bench 'BenchmarkScannerFleet$' -benchtime 1x -timeout 75m
package scanload
