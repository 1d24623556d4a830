package receiver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

const testToken = "s3cret-token"

// staticToken is a TokenSource with one token, or an error.
type staticToken struct {
	token string
	err   error
}

func (s staticToken) Check(_ context.Context, token string) (bool, error) {
	return token == s.token, s.err
}

// newTestReceiver returns a receiver whose scheduler is never run: what
// it holds is what a request would have scanned.
func newTestReceiver(t *testing.T, tokens TokenSource) *Receiver {
	t.Helper()
	r, err := New(Options{Addr: "127.0.0.1:0", Tokens: tokens, Policies: noPolicies{t}, Patcher: noPatches{t},
		Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const distributionPush = `{"events":[{"action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json",
"repository":"team/app","tag":"1.2.3"},"request":{"host":"registry.example:5000"}}]}`

// TestHostileRequestsScanNothing sends what the receiver must refuse, and
// what it must ignore: each gets its status, is counted, and leaves
// nothing to scan.
func TestHostileRequestsScanNothing(t *testing.T) {
	huge := `{"events":[` + strings.Repeat(`{"action":"pull"},`, 2<<20/18) + `{}]}`
	tests := map[string]struct {
		method, path, body string
		chunked            bool
		tokens             TokenSource
		code               int
		result, source     string
		message            string
	}{
		"wrong token":           {path: EventsPath + "guess", body: distributionPush, code: 401, result: ResultUnauthorized},
		"no token":              {path: EventsPath, body: distributionPush, code: 401, result: ResultUnauthorized},
		"token of other length": {path: EventsPath + testToken + "x", body: distributionPush, code: 401, result: ResultUnauthorized},
		"2 MiB body":            {body: huge, code: 413, result: ResultTooLarge},
		"2 MiB chunked":         {body: huge, chunked: true, code: 413, result: ResultTooLarge},
		"unknown shape": {body: `{"hello":"world"}`, code: 400, result: ResultBadRequest,
			message: "imagepin understands CNCF Distribution"},
		"not JSON":       {body: "push happened", code: 400, result: ResultBadRequest, message: "not a JSON object"},
		"broken JSON":    {body: `{"events":[`, code: 400, result: ResultBadRequest, message: "not valid JSON"},
		"bad repository": {body: strings.Replace(distributionPush, "team/app", "Team//App", 1), code: 400, result: ResultBadRequest, source: SourceDistribution},
		"GET":            {method: http.MethodGet, code: 405, result: ResultNotAllowed},
		"300 repositories": {body: manyRepositories(300), code: 400, result: ResultBadRequest, source: SourceDistribution,
			message: "more than 256 repositories"},
		"other path":     {path: "/metrics", code: 404, result: ResultNotFound},
		"Secret missing": {tokens: staticToken{err: errNoToken}, body: distributionPush, code: 503, result: ResultUnavailable},
		"pull only":      {body: strings.Replace(distributionPush, `"push"`, `"pull"`, 1), code: 200, result: ResultIgnored, source: SourceDistribution},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.tokens == nil {
				tc.tokens = staticToken{token: testToken}
			}
			r := newTestReceiver(t, tc.tokens)
			resp := post(t, r.Handler(), tc.method, tc.path, tc.body, tc.chunked)
			if resp.Code != tc.code || !strings.Contains(resp.Body.String(), tc.message) {
				t.Errorf("%d %s, want %d with %q", resp.Code, resp.Body.String(), tc.code, tc.message)
			}
			if tc.source == "" {
				tc.source = SourceUnknown
			}
			if n := testutil.ToFloat64(r.handler.metrics.events.WithLabelValues(tc.source, tc.result)); n != 1 {
				t.Errorf("imagepin_registry_events_total{source=%q,result=%q} = %v, want 1", tc.source, tc.result, n)
			}
			if due, next := r.sched.take(farFuture()); len(due) > 0 || !next.IsZero() {
				t.Errorf("scheduled %v (next %v), want nothing", due, next)
			}
		})
	}
}

func TestPushIsScheduled(t *testing.T) {
	r := newTestReceiver(t, staticToken{token: testToken})
	resp := post(t, r.Handler(), "", "", distributionPush, false)
	if resp.Code != http.StatusAccepted || !strings.Contains(resp.Body.String(), `"repositories":["registry.example:5000/team/app"]`) {
		t.Fatalf("%d %s, want 202 naming the repository", resp.Code, resp.Body.String())
	}
	if due, _ := r.sched.take(farFuture()); len(due) != 1 || due[0] != "registry.example:5000/team/app" {
		t.Errorf("scheduled %v, want the pushed repository", due)
	}
}

// manyRepositories is a Distribution envelope pushing n repositories.
func manyRepositories(n int) string {
	events := make([]string, n)
	for i := range events {
		events[i] = fmt.Sprintf(`{"action":"push","target":{"repository":"team/app%d","tag":"1"},"request":{"host":"r.example"}}`, i)
	}
	return `{"events":[` + strings.Join(events, ",") + `]}`
}

// post sends body to h; path defaults to the events path with the token,
// method to POST.
func post(t *testing.T, h http.Handler, method, path, body string, chunked bool) *httptest.ResponseRecorder {
	t.Helper()
	if method == "" {
		method = http.MethodPost
	}
	if path == "" {
		path = EventsPath + testToken
	}
	var rd io.Reader = strings.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd) // hides the length: no Content-Length
	}
	req := httptest.NewRequestWithContext(t.Context(), method, path, rd)
	if chunked {
		req.ContentLength = -1
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
