package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/imagepin/imagepin/webhook"
)

// Metrics of the API server and of imagepin that the breakdown reads.
const (
	// Pod creates as the API server sees them: whole request, and without
	// webhooks and priority-and-fairness queueing (the SLI).
	apiRequestDuration = "apiserver_request_duration_seconds"
	apiRequestSLI      = "apiserver_request_sli_duration_seconds"
	// The call of one webhook as the API server times it: building the
	// AdmissionReview, the HTTPS round trip, decoding the answer and
	// applying its patch.
	apiWebhookDuration = "apiserver_admission_webhook_admission_duration_seconds"
	// imagepin's HTTP handler (controller-runtime: read and decode the
	// review, handle, encode the answer) and its Handle alone.
	pinWebhookLatency = "controller_runtime_webhook_latency_seconds"
	pinHandler        = "imagepin_admission_duration_seconds"
	pinRequests       = "imagepin_admission_requests_total"
	pinRegistry       = "imagepin_registry_requests_total"
)

// podCreate selects the Pod creates among the API server's request series.
func podCreate() map[string]string {
	return map[string]string{"verb": "POST", "resource": "pods", "subresource": ""}
}

// snapshot is what the benchmark reads before and after a phase.
type snapshot struct {
	at  time.Time
	api scrape
	pin scrape
	cpu map[string]float64
}

// phaseMetrics are the differences between two snapshots.
type phaseMetrics struct {
	wall               time.Duration
	podPost, podSLI    hist
	webhook            hist
	pinHTTP, pinHandle hist
	registryRequests   float64
	admissions         map[string]float64 // by result
	cpu                map[string]float64 // seconds, by process
}

// take reads the metrics, then the CPU times: the CPU window of a phase
// (after take, before the next take) leaves out the scrapes themselves.
func (f *fleet) take(ctx context.Context) (snapshot, error) {
	s := snapshot{}
	var err error
	if s.api, err = f.apiMetrics(ctx); err != nil {
		return s, err
	}
	if s.pin, err = f.pinMetrics(ctx); err != nil {
		return s, err
	}
	if s.cpu, err = cpuSeconds(f.pids); err != nil {
		return s, err
	}
	s.at = time.Now()
	return s, nil
}

// takeAfter reads the CPU times first, then the metrics.
func (f *fleet) takeAfter(ctx context.Context) (snapshot, error) {
	cpu, err := cpuSeconds(f.pids)
	if err != nil {
		return snapshot{}, err
	}
	s := snapshot{at: time.Now(), cpu: cpu}
	if s.api, err = f.apiMetrics(ctx); err != nil {
		return s, err
	}
	s.pin, err = f.pinMetrics(ctx)
	return s, err
}

func (f *fleet) apiMetrics(ctx context.Context) (scrape, error) {
	page, err := f.admin.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("API server /metrics: %w", err)
	}
	return parseScrape(page)
}

func (f *fleet) pinMetrics(ctx context.Context) (scrape, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+f.mgr.MetricsAddr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("imagepin /metrics: %w", err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("imagepin /metrics: %w", err)
	}
	return parseScrape(page)
}

// diff computes the metrics of the phase between before and after.
func diff(before, after snapshot) (phaseMetrics, error) {
	m := phaseMetrics{wall: after.at.Sub(before.at), admissions: map[string]float64{}, cpu: map[string]float64{}}
	// Only one Pod webhook matches a namespace: the sum over names is
	// imagepin's in imagepin's namespaces and the floor's in its own.
	webhookLabels := map[string]string{"operation": "CREATE", "type": "admit"}
	hists := []struct {
		dst    *hist
		s0, s1 scrape
		name   string
		labels map[string]string
	}{
		{&m.podPost, before.api, after.api, apiRequestDuration, podCreate()},
		{&m.podSLI, before.api, after.api, apiRequestSLI, podCreate()},
		{&m.webhook, before.api, after.api, apiWebhookDuration, webhookLabels},
		{&m.pinHTTP, before.pin, after.pin, pinWebhookLatency, map[string]string{"webhook": webhook.MutatePodsEnabledPath}},
		{&m.pinHandle, before.pin, after.pin, pinHandler, nil},
	}
	for _, h := range hists {
		h0, err := h.s0.histogram(h.name, h.labels)
		if err != nil {
			return m, err
		}
		h1, err := h.s1.histogram(h.name, h.labels)
		if err != nil {
			return m, err
		}
		*h.dst = h1.sub(h0)
	}
	m.registryRequests = after.pin.value(pinRegistry, nil) - before.pin.value(pinRegistry, nil)
	for _, r := range []string{webhook.ResultPinned, webhook.ResultResolved, webhook.ResultUnchanged, webhook.ResultDenied, webhook.ResultError} {
		l := map[string]string{"result": r}
		m.admissions[r] = after.pin.value(pinRequests, l) - before.pin.value(pinRequests, l)
	}
	for name, v := range after.cpu {
		m.cpu[name] = v - before.cpu[name]
	}
	return m, nil
}

// add sums two phases' metrics (rounds of the same kind).
func (m phaseMetrics) add(o phaseMetrics) phaseMetrics {
	out := phaseMetrics{
		wall: m.wall + o.wall, podPost: m.podPost.add(o.podPost), podSLI: m.podSLI.add(o.podSLI),
		webhook: m.webhook.add(o.webhook),
		pinHTTP: m.pinHTTP.add(o.pinHTTP), pinHandle: m.pinHandle.add(o.pinHandle),
		registryRequests: m.registryRequests + o.registryRequests,
		admissions:       map[string]float64{}, cpu: map[string]float64{},
	}
	for _, src := range []map[string]float64{m.admissions, o.admissions} {
		for k, v := range src {
			out.admissions[k] += v
		}
	}
	for _, src := range []map[string]float64{m.cpu, o.cpu} {
		for k, v := range src {
			out.cpu[k] += v
		}
	}
	return out
}
