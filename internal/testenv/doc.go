// Package testenv and its sub-packages are imagepin's one test harness: a
// real control plane (controlplane), a Distribution registry (registry), a
// Git server over HTTP (gitserver), hostile servers (attack), the webhook
// configurations the chart installs (fixtures), building binaries
// (buildtool), one child-process runner (process), `imagepin manager` as a
// process (manager), free ports, temporary folders that the next start
// removes once their owner died (TempDir), the scheme (kubescheme) and
// metric values read from a Prometheus registry (promtest). Tests of
// production packages import these; e2e/ keeps the end-to-end scenarios,
// the chart tests and the load benchmarks.
//
// A test binary starts at most one control plane: its TestMain runs the
// tests through a controlplane.Shared (started by the first test that asks
// for it) or controlplane.RunTests, and the tests isolate themselves by
// namespace and install what only they need (webhook configurations, CRDs)
// for their own duration. Only benchmarks that a shared one would distort
// start their own (controlplane.ForBenchmark).
//
// Nothing here imports the testing package: hack/demo links the
// environment, and a binary must not link testing (it would register the
// test flags and carry the test framework into the demo). Tests pass their
// *testing.T or *testing.B where a TB is asked for, and their *testing.M
// where an M is.
package testenv
