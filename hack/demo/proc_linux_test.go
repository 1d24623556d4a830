package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// proc is what /proc says about one process.
type proc struct {
	pid, ppid int
	zombie    bool
	argv      []string
	cwd       string
}

// name is the base name of the process's program.
func (p proc) name() string {
	if len(p.argv) == 0 {
		return ""
	}
	return filepath.Base(p.argv[0])
}

// refersTo reports whether the command line or the working directory of p
// names a path under one of dirs.
func (p proc) refersTo(dirs []string) bool {
	for _, dir := range dirs {
		if p.cwd == dir || strings.HasPrefix(p.cwd, dir+"/") {
			return true
		}
		for _, arg := range p.argv {
			if strings.Contains(arg, dir) {
				return true
			}
		}
	}
	return false
}

// readProcs returns every process that still runs: a zombie is dead, only
// not yet reaped (PID 1 of a container may never reap it).
func readProcs() map[int]proc {
	entries, _ := os.ReadDir("/proc")
	procs := map[int]proc{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok && !p.zombie {
			procs[pid] = p
		}
	}
	return procs
}

// readProc reads /proc/PID; false when the process is gone.
func readProc(pid int) (proc, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return proc{}, false
	}
	// The state and the parent follow the command name in parentheses.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return proc{}, false
	}
	p := proc{pid: pid, zombie: fields[0] == "Z"}
	p.ppid, _ = strconv.Atoi(fields[1])
	if cmdline, err := os.ReadFile(dir + "/cmdline"); err == nil && len(cmdline) > 0 {
		p.argv = strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	}
	p.cwd, _ = os.Readlink(dir + "/cwd")
	return p, true
}

// descendants returns the processes below root.
func descendants(procs map[int]proc, root int) []proc {
	children := map[int][]proc{}
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p)
	}
	var out []proc
	queue := []int{root}
	for len(queue) > 0 {
		for _, c := range children[queue[0]] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
		queue = queue[1:]
	}
	return out
}
