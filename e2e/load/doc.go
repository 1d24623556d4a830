// Package load holds load benchmarks that run imagepin as a separate process
// against a real control plane and a real registry, so that its own time,
// registry requests and memory can be measured. They run only with -bench:
//
//	go test ./e2e/load -run '^$' -bench . -benchtime 1x
package load
