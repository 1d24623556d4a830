package main

import (
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Go's collector lets the heap grow to twice what is live before it runs
// (GOGC=100) and knows nothing of the container's memory limit: a fleet of
// 10,000 ImagePolicies keeps some 60–85 MiB live and so reaches 200 MiB, past
// which a container limit kills the process although the collector could
// have kept it well below. The manager therefore sets Go's soft memory limit
// to a share of the container's limit, as GOMEMLIMIT would, unless
// GOMEMLIMIT is set. The share leaves room for what the runtime does not
// count: the executable's pages (some 55 MiB, counted against the limit
// but reclaimable) and memory outside the Go heap.

// memoryLimitShare is the part of the container's memory limit given to Go.
const memoryLimitShare = 0.8

// The files that hold the container's memory limit, in cgroup v2 and v1.
const (
	cgroupV2Limit = "/sys/fs/cgroup/memory.max"
	cgroupV1Limit = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
)

// setMemoryLimit applies memoryLimit with the process's environment and
// files, and returns the limit set (0: none).
func setMemoryLimit() int64 {
	limit := memoryLimit(os.Getenv, os.ReadFile)
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	return limit
}

// memoryLimit returns the soft memory limit for Go: memoryLimitShare of the
// first limit that cgroupV2Limit or cgroupV1Limit holds, or 0 when GOMEMLIMIT is set or no
// limit is found ("max", a cgroup v1 "unlimited" near 2^63, no file).
func memoryLimit(getenv func(string) string, readFile func(string) ([]byte, error)) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	for _, f := range []string{cgroupV2Limit, cgroupV1Limit} {
		data, err := readFile(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		if err != nil || n <= 0 || n >= math.MaxInt64/2 {
			return 0
		}
		return int64(float64(n) * memoryLimitShare)
	}
	return 0
}
