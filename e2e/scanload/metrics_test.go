package scanload

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// sample is one line of a Prometheus text exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseMetrics reads the samples of the metrics whose names are in names.
func parseMetrics(r io.Reader, names ...string) ([]sample, error) {
	var out []sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		s, ok := parseSample(line)
		if !ok {
			continue
		}
		for _, n := range names {
			if s.name == n {
				out = append(out, s)
			}
		}
	}
	return out, sc.Err()
}

// parseSample reads `name{a="x",b="y"} value`; label values here hold no
// quotes, commas or braces.
func parseSample(line string) (sample, bool) {
	if line == "" || line[0] == '#' {
		return sample{}, false
	}
	i := strings.LastIndexByte(line, ' ')
	if i < 0 {
		return sample{}, false
	}
	v, err := strconv.ParseFloat(line[i+1:], 64)
	if err != nil {
		return sample{}, false
	}
	s := sample{value: v, labels: map[string]string{}}
	head := line[:i]
	name, labels, ok := strings.Cut(head, "{")
	s.name = name
	if ok {
		for _, kv := range strings.Split(strings.TrimSuffix(labels, "}"), ",") {
			k, val, _ := strings.Cut(kv, "=")
			s.labels[k] = strings.Trim(val, `"`)
		}
	}
	return s, true
}

// managerMetrics are the manager's counters that the benchmarks follow.
type managerMetrics struct {
	up               bool    // the metrics were read
	scans            float64 // imagepin_scans_total, all results
	ready, notReady  float64 // imagepin_policies
	registryRequests float64 // imagepin_registry_requests_total
	statusWritten    float64 // imagepin_scan_status_writes_total{result="written"}
}

// scrapeManager reads the manager's /metrics (served over plain HTTP).
func scrapeManager(ctx context.Context, addr string) (managerMetrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return managerMetrics{}, err
	}
	req.Header.Set("Accept-Encoding", "identity") // gzip would cost the manager more CPU than its scans
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return managerMetrics{}, err
	}
	defer resp.Body.Close()
	samples, err := parseMetrics(resp.Body, "imagepin_scans_total", "imagepin_policies", "imagepin_registry_requests_total",
		"imagepin_scan_status_writes_total")
	if err != nil {
		return managerMetrics{}, err
	}
	m := managerMetrics{up: true}
	for _, s := range samples {
		switch {
		case s.name == "imagepin_scans_total":
			m.scans += s.value
		case s.name == "imagepin_registry_requests_total":
			m.registryRequests += s.value
		case s.name == "imagepin_scan_status_writes_total":
			if s.labels["result"] == "written" {
				m.statusWritten = s.value
			}
		case s.labels["ready"] == "True":
			m.ready = s.value
		case s.labels["ready"] == "False":
			m.notReady = s.value
		}
	}
	return m, nil
}

// apiCounts are the API server's requests that the scanner causes, from
// apiserver_request_total.
type apiCounts struct {
	statusWrites float64 // PATCH, UPDATE or APPLY of imagepolicies/status
	conflicts    float64 // of which answered 409
	failed       float64 // of which answered with another code than 200 or 409
	events       float64 // CREATE or PATCH of events
}

// scrapeAPIServer reads the API server's /metrics with cfg's identity.
func scrapeAPIServer(ctx context.Context, cfg *rest.Config) (apiCounts, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return apiCounts{}, err
	}
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return apiCounts{}, fmt.Errorf("API server metrics: %w", err)
	}
	samples, err := parseMetrics(bytes.NewReader(body), "apiserver_request_total")
	if err != nil {
		return apiCounts{}, err
	}
	var c apiCounts
	for _, s := range samples {
		l := s.labels
		switch {
		case l["resource"] == "imagepolicies" && l["subresource"] == "status" && isWrite(l["verb"]):
			c.statusWrites += s.value
			switch l["code"] {
			case "200":
			case "409":
				c.conflicts += s.value
			default:
				c.failed += s.value
			}
		case l["resource"] == "events" && (l["verb"] == "CREATE" || l["verb"] == "PATCH" || l["verb"] == "POST"):
			c.events += s.value
		}
	}
	return c, nil
}

func isWrite(verb string) bool {
	return verb == "PATCH" || verb == "UPDATE" || verb == "APPLY"
}

func (c apiCounts) minus(o apiCounts) apiCounts {
	return apiCounts{statusWrites: c.statusWrites - o.statusWrites, conflicts: c.conflicts - o.conflicts,
		failed: c.failed - o.failed, events: c.events - o.events}
}
