package scanload

import (
	"os"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/registry"
)

// The shapes of the scanner benchmarks: the cycle shape runs in a few
// minutes, the fleet shape is the 10,000-policy target of the README.
var (
	cycleShape = shape{repos: 100, policiesPerRepo: 10, tagsPerRepo: 200}
	fleetShape = shape{repos: 1000, policiesPerRepo: 10, tagsPerRepo: 200}
)

// BenchmarkScannerCycle measures the scanner on 1,000 ImagePolicies over 100
// repositories of 200 tags in a real Distribution registry (see benchScanner).
func BenchmarkScannerCycle(b *testing.B) { benchScanner(b, cycleShape) }

// BenchmarkScannerFleet measures the scanner on 10,000 ImagePolicies over
// 1,000 repositories of 200 tags (see benchScanner).
func BenchmarkScannerFleet(b *testing.B) { benchScanner(b, fleetShape) }

// benchScanner runs `imagepin manager` as a process against a real control
// plane and a real registry holding s, and measures three phases:
//
//   - first cycle: the manager starts with every policy new, and scans all;
//   - steady cycle: the next minute's scan of every policy (their schedule
//     is every minute), with nothing changed in the registry;
//   - restart: the manager stops, a minute passes so that every policy is
//     overdue, and a new manager starts; how its first scans spread out.
//
// For each it reports time, registry requests by kind (the registry's own
// metrics), status writes (the API server's apiserver_request_total), the
// manager's CPU time and its peak RSS.
func benchScanner(b *testing.B, s shape) {
	ctx := b.Context()
	cp := controlplane.ForBenchmark(b, controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}})
	// In memory: pushing 200,000 tags to files takes the registry five
	// times as long on this machine.
	reg := registry.StartT(b, registry.Options{Metrics: true, InMemory: true})
	pushFleet(b, ctx, reg, s)
	cl := newClient(b, cp)
	createPolicies(b, ctx, cl, reg, s)
	bin := buildImagepin(b)
	for _, args := range managerArgSets() {
		b.Run(argsName(args), func(b *testing.B) {
			for b.Loop() {
				resetStatus(b, ctx, cl)
				r := &benchRun{b: b, ctx: ctx, cp: cp, reg: reg, shape: s, bin: bin, args: args}
				r.firstCycle()
				r.steadyCycle()
				r.restart()
				b.ReportMetric(r.peakRSS, "peak-RSS-MiB")
			}
		})
	}
}

// managerArgSets are the flag sets of managerArgsEnv, separated by ";":
// each runs as a sub-benchmark on the same control plane and registry. The
// defaults run when it is empty.
func managerArgSets() [][]string {
	var sets [][]string
	for _, set := range strings.Split(os.Getenv(managerArgsEnv), ";") {
		sets = append(sets, strings.Fields(set))
	}
	return sets
}

func argsName(args []string) string {
	if len(args) == 0 {
		return "defaults"
	}
	return strings.Join(args, ",")
}
