package registry

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Requests counts the requests with method to path (the query ignored),
// e.g. ("GET", "/v2/team/app/tags/list") for the tag listings of team/app,
// in the access log of a registry started with Options.AccessLog. The
// registry writes a line when it has answered.
func (r *Registry) Requests(method, path string) (int, error) {
	if r.proc == nil {
		return 0, errors.New("registry not started")
	}
	f, err := os.Open(r.proc.LogFile())
	if err != nil {
		return 0, fmt.Errorf("registry log: %w", err)
	}
	defer f.Close()
	// Combined log format: ... "GET /v2/team/app/tags/list?n=100 HTTP/1.1" 200 ...
	prefix := `"` + method + " " + path
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, prefix)
		if i < 0 {
			continue
		}
		if rest := line[i+len(prefix):]; strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "?") {
			n++
		}
	}
	return n, sc.Err()
}
