package main

import (
	"math"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/go-logr/logr"
)

// Go's collector lets the heap grow to twice what is live before it runs
// (GOGC=100) and knows nothing of the container's memory limit: a fleet of
// 10,000 ImagePolicies keeps some 60–85 MiB live and so reaches 200 MiB, past
// which a container limit kills the process although the collector could
// have kept it well below. The manager therefore sets Go's soft memory limit
// to a share of the container's (cgroup) limit, with automemlimit, unless
// GOMEMLIMIT is set or AUTOMEMLIMIT=off. The share leaves room for what the
// runtime does not count: the executable's pages (some 55 MiB, counted
// against the limit but reclaimable) and memory outside the Go heap.

// memoryLimitShare is the part of the container's memory limit given to Go.
const memoryLimitShare = 0.8

// setMemoryLimit sets Go's soft memory limit from the container's and logs
// the outcome; without a cgroup limit (or outside Linux) it changes nothing.
func setMemoryLimit(log logr.Logger) {
	limit, err := memlimit.Set(memlimit.WithRatio(memoryLimitShare), memlimit.WithProvider(memlimit.FromCgroup))
	switch {
	case err != nil:
		log.Info("Go memory limit left as it was: no container limit found", "reason", err.Error())
	case limit < math.MaxInt64:
		log.Info("Go memory limit", "bytes", limit)
	}
}
