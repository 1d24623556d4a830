package registry

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// handlerRequestsMetric is Distribution's counter of answered requests, by
// route ("tags", "manifest", "blob", "base", …), method and status code.
const handlerRequestsMetric = "registry_http_requests_total{"

// HandlerRequests reads the registry's own request counters from the debug
// server of a registry started with Options.Metrics, keyed by route and
// method as "manifest HEAD", "tags GET", "base GET". Status codes are added
// up.
func (r *Registry) HandlerRequests() (map[string]int, error) {
	if r.DebugHost == "" {
		return nil, errors.New("registry started without Options.Metrics")
	}
	resp, err := http.Get("http://" + r.DebugHost + "/metrics")
	if err != nil {
		return nil, fmt.Errorf("registry metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("registry metrics: %s", resp.Status)
	}
	counts := map[string]int{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), handlerRequestsMetric)
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("registry metrics: %q: %w", sc.Text(), err)
		}
		l := parseLabels(labels)
		counts[l["handler"]+" "+strings.ToUpper(l["method"])] += int(n)
	}
	return counts, sc.Err()
}

// parseLabels reads `a="x",b="y"`; label values here hold no quotes or commas.
func parseLabels(s string) map[string]string {
	l := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		l[k] = strings.Trim(v, `"`)
	}
	return l
}
