// Package testenv holds what the test environment (e2e/controlplane,
// e2e/registry, e2e/gitserver, e2e/stack) needs from go test without
// importing the testing package: hack/demo links that environment, and a
// binary must not link testing (it would register the test flags and carry
// the test framework into the demo).
//
// Tests pass their *testing.T or *testing.B where a TB is asked for, and
// their *testing.M where an M is.
package testenv
