package load

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// pprofText runs `go tool pprof args file` and returns its report.
func pprofText(file string, args ...string) (string, error) {
	cmd := exec.Command("go", append(append([]string{"tool", "pprof"}, args...), file)...)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go tool pprof %s %s: %w", strings.Join(args, " "), file, err)
	}
	return string(out), nil
}

// totalSamples reads "Total samples = 10.52s" from a report's header.
func totalSamples(report string) (time.Duration, error) {
	_, rest, ok := strings.Cut(report, "Total samples = ")
	if !ok {
		return 0, fmt.Errorf("no total samples in pprof report:\n%s", report)
	}
	field, _, _ := strings.Cut(rest, " ")
	d, err := time.ParseDuration(strings.Replace(field, "mins", "m", 1))
	if err != nil {
		return 0, fmt.Errorf("total samples %q: %w", field, err)
	}
	return d, nil
}

// firstCumShare reads the cum% of the first row of a `-top -cum` report:
// with -focus, the share of all samples whose stack matches (pprof keeps
// percentages relative to the whole profile). "0%" when nothing matched.
func firstCumShare(report string) string {
	lines := strings.Split(report, "\n")
	for i, line := range lines {
		f := strings.Fields(line)
		if len(f) >= 5 && f[0] == "flat" && f[4] == "cum%" && i+1 < len(lines) {
			if row := strings.Fields(lines[i+1]); len(row) >= 5 {
				return row[4]
			}
		}
	}
	return "0%"
}

// percent parses "39.11%" as 0.3911; anything else is 0.
func percent(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0
	}
	return v / 100
}

// topRows returns the first n function rows of a `-top` report.
func topRows(report string, n int) []string {
	lines := strings.Split(report, "\n")
	for i, line := range lines {
		if f := strings.Fields(line); len(f) >= 5 && f[0] == "flat" {
			rows := lines[i+1:]
			var out []string
			for _, r := range rows {
				if strings.TrimSpace(r) != "" && len(out) < n {
					out = append(out, r)
				}
			}
			return out
		}
	}
	return nil
}
