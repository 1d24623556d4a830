package testenv

import (
	"context"
	"flag"
)

// TB is the part of testing.TB that the test environment uses.
type TB interface {
	Helper()
	Context() context.Context
	Cleanup(func())
	Failed() bool
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
}

// M is the part of *testing.M that a TestMain of the environment uses.
type M interface {
	Run() int
}

// Short reports whether go test runs with -short, as testing.Short does;
// it is false outside a test binary.
func Short() bool {
	f := flag.Lookup("test.short")
	return f != nil && f.Value.String() == "true"
}

// SkipShort skips t under -short, the fast tier of pure unit tests, saying
// what it would have started.
func SkipShort(t TB, what string) {
	t.Helper()
	if Short() {
		t.Skip(what + ": runs in make test, not under -short")
	}
}
