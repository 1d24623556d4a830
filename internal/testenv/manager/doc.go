// Package manager runs `imagepin manager` as a child process for the tests
// of cmd/imagepin, the demo stack (e2e/stack, and so hack/demo and the
// end-to-end scenarios) and the load benchmarks: through the harness's
// process runner (a process group of its own, killed with its parent on
// Linux, SIGTERM then SIGKILL, output in a log file), until /readyz
// answers. Build compiles the binary for callers that measure a build of
// their own.
package manager
