package receiver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
)

// EventsPath is where notifications are posted: POST /registry-events/<token>.
const EventsPath = "/registry-events/"

// MaxBodyBytes is the largest body read; larger ones get 413.
const MaxBodyBytes = 1 << 20

// maxMessage bounds the messages the receiver sends back and logs, since
// they may quote the body.
const maxMessage = 1024

// handler serves EventsPath.
type handler struct {
	tokens  TokenSource
	sched   *scheduler
	limiter *rate.Limiter
	metrics *metrics
	log     logr.Logger
}

// reply is the JSON answer to every request.
type reply struct {
	Result       string   `json:"result"`
	Source       string   `json:"source,omitempty"`
	Repositories []string `json:"repositories,omitempty"`
	Message      string   `json:"message,omitempty"`
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code, rep := h.serve(w, r)
	if rep.Source == "" {
		rep.Source = SourceUnknown
	}
	h.metrics.events.WithLabelValues(rep.Source, rep.Result).Inc()
	rep.Message = cut(rep.Message)
	// Never log the path: it carries the token.
	h.log.V(1).Info("registry notification", "code", code, "source", rep.Source, "result", rep.Result,
		"repositories", rep.Repositories, "message", rep.Message, "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(rep)
}

// serve checks, reads and parses one request, in that order, so that a
// request without the token costs no body read.
func (h *handler) serve(w http.ResponseWriter, r *http.Request) (int, reply) {
	token, ok := strings.CutPrefix(r.URL.Path, EventsPath)
	if !ok {
		return http.StatusNotFound, reply{Result: ResultNotFound, Message: "notifications go to POST " + EventsPath + "<token>"}
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return http.StatusMethodNotAllowed, reply{Result: ResultNotAllowed, Message: "only POST"}
	}
	if code, rep, ok := h.authorize(r, token); !ok {
		return code, rep
	}
	if !h.limiter.Allow() {
		w.Header().Set("Retry-After", "1")
		return http.StatusTooManyRequests, reply{Result: ResultRateLimited, Message: "too many notifications; retry later"}
	}
	body, err := readBody(w, r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return http.StatusRequestEntityTooLarge, reply{Result: ResultTooLarge, Message: "body over 1 MiB"}
		}
		return http.StatusBadRequest, reply{Result: ResultBadRequest, Message: "read body: " + err.Error()}
	}
	return h.accept(body, r.Header)
}

func (h *handler) authorize(r *http.Request, token string) (int, reply, bool) {
	ok, err := h.tokens.Check(r.Context(), token)
	if err != nil {
		h.log.Error(err, "registry notification refused: the receiver's token cannot be read")
		return http.StatusServiceUnavailable, reply{Result: ResultUnavailable, Message: "the receiver's token cannot be read"}, false
	}
	if !ok {
		return http.StatusUnauthorized, reply{Result: ResultUnauthorized, Message: "wrong token"}, false
	}
	return 0, reply{}, true
}

// accept parses a body and schedules scans of the repositories it names.
func (h *handler) accept(body []byte, header http.Header) (int, reply) {
	n, err := Parse(body, header)
	if err != nil {
		return http.StatusBadRequest, reply{Result: ResultBadRequest, Source: n.Source, Message: err.Error()}
	}
	if len(n.Repositories) == 0 {
		return http.StatusOK, reply{Result: ResultIgnored, Source: n.Source, Message: "no push in this notification"}
	}
	if err := h.sched.add(n.Repositories); err != nil {
		return http.StatusTooManyRequests, reply{Result: ResultRateLimited, Source: n.Source, Message: err.Error()}
	}
	return http.StatusAccepted, reply{Result: ResultAccepted, Source: n.Source, Repositories: n.Repositories}
}

// readBody reads at most MaxBodyBytes; a declared or actual larger body is
// a *http.MaxBytesError.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, &http.MaxBytesError{Limit: MaxBodyBytes}
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
}

func cut(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return s[:maxMessage] + "…"
}
