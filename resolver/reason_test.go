package resolver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/attack"
)

// TestReasonHoldsNoResponseBody makes a registry answer with a 40 KiB body
// in every way a body can reach an error (plain text, the distribution
// API's JSON errors, a malformed tag list): Reason names the status code and
// the kind, and holds no byte of the body, whatever Error holds.
func TestReasonHoldsNoResponseBody(t *testing.T) {
	body := attack.Body()
	jsonErrors, err := json.Marshal(map[string]any{"errors": []map[string]string{{"code": "MANIFEST_UNKNOWN", "message": body[:20000], "detail": body[20000:]}}})
	if err != nil {
		t.Fatal(err)
	}
	answer := func(code int, contentType, text string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return // let the registry answer the ping
			}
			if r.Method == http.MethodHead {
				w.WriteHeader(http.StatusMethodNotAllowed) // make the resolver GET, which has a body
				return
			}
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(code)
			_, _ = w.Write([]byte(text))
		}
	}
	tests := map[string]struct {
		fault http.HandlerFunc
		op    string
		want  string
	}{
		"404 text":          {fault: answer(http.StatusNotFound, "text/plain", body), op: "digest", want: "(HTTP 404): not found"},
		"404 json errors":   {fault: answer(http.StatusNotFound, "application/json", string(jsonErrors)), op: "digest", want: "(HTTP 404): not found"},
		"500 json errors":   {fault: answer(http.StatusInternalServerError, "application/json", string(jsonErrors)), op: "digest", want: "(HTTP 500): registry unavailable"},
		"418 text":          {fault: answer(http.StatusTeapot, "text/plain", body), op: "digest", want: "(HTTP 418)"},
		"401 text":          {fault: answer(http.StatusUnauthorized, "text/plain", body), op: "list", want: "(HTTP 401): unauthorized"},
		"malformed listing": {fault: answer(http.StatusOK, "application/json", `{"tags":["`+body), op: "list", want: "registry unavailable"},
		"not json listing":  {fault: answer(http.StatusOK, "application/json", body), op: "list", want: "registry unavailable"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFront(t)
			f.setFault(tc.fault)
			r, _ := newResolver(t, WithRetry(1, 0, 0))
			err := ops[tc.op].call(t.Context(), r, f.repo(t, "app"))
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want *Error", err)
			}
			reason := re.Reason()
			if !strings.Contains(reason, tc.want) || !strings.Contains(reason, f.host+"/app") {
				t.Errorf("reason %q, want it to name the repository and %q", reason, tc.want)
			}
			if piece := attack.Leak(reason, body); piece != "" {
				t.Errorf("reason %q holds %q of the response body", reason, piece)
			}
			if len(reason) > 300 {
				t.Errorf("reason is %d bytes long: %q", len(reason), reason)
			}
		})
	}
}

// TestReasonKeepsLocalCauses checks that causes imagepin saw itself (no
// connection, a denied address, the caller's deadline) stay in Reason.
func TestReasonKeepsLocalCauses(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	f.Close()
	r, _ := newResolver(t, WithRetry(1, 0, 0))
	_, err := r.ListTags(t.Context(), repo, Access{})
	var re *Error
	if !errors.As(err, &re) || !strings.Contains(re.Reason(), "connection refused") {
		t.Errorf("reason of a refused connection = %q (%v), want it to say so", re.Reason(), err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = r.ListTags(ctx, repo, Access{})
	if !errors.As(err, &re) || !strings.Contains(re.Reason(), "context canceled") {
		t.Errorf("reason of a canceled call = %q (%v), want it to say so", re.Reason(), err)
	}
}
