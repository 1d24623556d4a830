package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// Process names (as /proc/<pid>/stat's comm, at most 15 bytes) of the
// components whose CPU time the benchmark reports.
const (
	procAPIServer = "kube-apiserver"
	procEtcd      = "etcd"
	procImagepin  = "imagepin"
	procKCM       = "kube-controller" // kube-controller-manager, cut by the kernel
	procScheduler = "kube-scheduler"
	procKwok      = "kwok"
)

// reportedProcs are the processes, in report order.
func reportedProcs() []string {
	return []string{procAPIServer, procEtcd, procImagepin, procKCM, procScheduler, procKwok}
}

// procStat is what /proc/<pid>/stat says about one process.
type procStat struct {
	comm string
	ppid int
	cpu  float64 // utime+stime in seconds
}

func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// "pid (comm) state ppid ... utime stime ...": comm may hold spaces
	// and parentheses, so split at the last ')'.
	s := string(data)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no comm in %q", pid, s)
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields after comm", pid, len(f))
	}
	ppid, err1 := strconv.Atoi(f[1])
	utime, err2 := strconv.ParseFloat(f[11], 64)
	stime, err3 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: bad numbers in %q", pid, s)
	}
	return procStat{comm: s[open+1 : end], ppid: ppid, cpu: (utime + stime) / clockTicks}, nil
}

// childPids finds the processes this test started (the control plane's
// components, through the harness's runner), by name. They are our
// direct children, so components of other engineers' tests never count.
func childPids() (map[string]int, error) {
	entries, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	pids := map[string]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(e)))
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err != nil || st.ppid != self {
			continue // gone meanwhile, or not ours
		}
		pids[st.comm] = pid
	}
	return pids, nil
}

// cpuSeconds reads the CPU time of each process in pids.
func cpuSeconds(pids map[string]int) (map[string]float64, error) {
	out := make(map[string]float64, len(pids))
	for name, pid := range pids {
		st, err := readProcStat(pid)
		if err != nil {
			return nil, fmt.Errorf("CPU time of %s: %w", name, err)
		}
		out[name] = st.cpu
	}
	return out, nil
}

// loadAverage is the first three fields of /proc/loadavg, as uptime shows
// them.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// rssMiB reads a field of /proc/<pid>/status in MiB: VmRSS now, VmHWM the
// peak.
func rssMiB(pid int, field string) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, fmt.Errorf("%s of %d: %w", field, pid, err)
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// peakRSSMiB reads the process's high-water mark of resident memory.
func peakRSSMiB(b *testing.B, pid int) float64 {
	mib, err := rssMiB(pid, "VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	return mib
}
