package resolver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// status answers with code and headers (pairs of name, value).
func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
	}
}

// faultMaker makes a fresh fault for each subtest, so state is not shared.
type faultMaker func() http.HandlerFunc

// always makes a fault that answers every request with h.
func always(h http.HandlerFunc) faultMaker {
	return func() http.HandlerFunc { return h }
}

// firstN makes a fault that lets h answer the first n requests and the
// registry the rest.
func firstN(n int32, h http.HandlerFunc) faultMaker {
	return func() http.HandlerFunc {
		var seen atomic.Int32
		return func(w http.ResponseWriter, r *http.Request) {
			if seen.Add(1) <= n {
				h(w, r)
			}
		}
	}
}

// body answers 200 with a JSON content type, declared length and body.
func body(length, content string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		_, _ = w.Write([]byte(content))
	}
}

// hangUp closes the connection without answering.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// registryOp is one resolver call against repository "app" of a front.
type registryOp func(ctx context.Context, r *Resolver, repo name.Repository) error

var ops = map[string]struct {
	target string
	call   registryOp
}{
	"list": {"/tags/list", func(ctx context.Context, r *Resolver, repo name.Repository) error {
		_, err := r.ListTags(ctx, repo, Access{})
		return err
	}},
	"digest": {"/manifests/", func(ctx context.Context, r *Resolver, repo name.Repository) error {
		_, err := r.Digest(ctx, repo.Tag("1.0"), nil, Access{})
		return err
	}},
}

func TestFaults(t *testing.T) {
	tests := map[string]struct {
		fault    faultMaker
		wantKind error // nil: success, or errNoKind
		wantCode int
		requests map[string]int // by op; ops not named are skipped
		// slack is how many more requests net/http may add: it resends an
		// idempotent request once when a reused connection drops.
		slack int
	}{
		"401":                       {always(status(401)), ErrUnauthorized, 401, map[string]int{"list": 1, "digest": 1}, 0},
		"403":                       {always(status(403)), ErrUnauthorized, 403, map[string]int{"list": 1, "digest": 2}, 0}, // HEAD, then GET
		"404":                       {always(status(404)), ErrNotFound, 404, map[string]int{"list": 1, "digest": 1}, 0},
		"400":                       {always(status(400)), errNoKind, 400, map[string]int{"list": 1, "digest": 1}, 0},
		"500 retried, then gone":    {always(status(500)), ErrUnavailable, 500, map[string]int{"list": 4, "digest": 4}, 0},
		"503 twice, then fine":      {firstN(2, status(503)), nil, 0, map[string]int{"list": 3, "digest": 3}, 0},
		"429 always":                {always(status(429, "Retry-After", "0")), ErrRateLimited, 429, map[string]int{"list": 4, "digest": 4}, 0},
		"429 asks for an hour":      {always(status(429, "Retry-After", "3600")), ErrRateLimited, 429, map[string]int{"list": 1, "digest": 1}, 0},
		"connection hung up":        {always(hangUp), ErrUnavailable, 0, map[string]int{"list": 4, "digest": 4}, 1},
		"hung up once, then fine":   {firstN(1, hangUp), nil, 0, map[string]int{"list": 2, "digest": 2}, 0},
		"truncated tag list":        {always(body("1000", `{"name":"app","tags":["1.0","1.`)), ErrUnavailable, 0, map[string]int{"list": 1}, 0},
		"tag list that is not JSON": {always(body("23", "<html>welcome!</html>\n\n")), ErrUnavailable, 0, map[string]int{"list": 1}, 0},
		"tag list of wrong shape":   {always(body("14", `{"tags":"1.0"}`)), ErrUnavailable, 0, map[string]int{"list": 1}, 0},
		"empty tag list body":       {always(body("0", "")), ErrUnavailable, 0, map[string]int{"list": 1}, 0},
	}
	for name, tc := range tests {
		for opName, want := range tc.requests {
			op := ops[opName]
			t.Run(name+"/"+opName, func(t *testing.T) {
				f := newFront(t)
				repo := f.repo(t, "app")
				push(t, repo, nil, "1.0")
				r, _ := newResolver(t)
				f.reset()
				fault := tc.fault()
				f.setFault(func(w http.ResponseWriter, req *http.Request) {
					if strings.Contains(req.URL.Path, op.target) {
						fault(w, req)
					}
				})

				err := op.call(t.Context(), r, repo)
				checkKind(t, err, tc.wantKind, tc.wantCode)
				if got := len(f.matching(http.MethodGet, op.target)) + len(f.matching(http.MethodHead, op.target)); got < want || got > want+tc.slack {
					t.Errorf("requests to %s = %d, want %d (+%d)", op.target, got, want, tc.slack)
				}
			})
		}
	}
}

// errNoKind stands for an *Error that wraps none of the sentinels.
var errNoKind = errors.New("no sentinel")

// checkKind checks err against a sentinel (nil: no error) and its status code.
func checkKind(t *testing.T, err, want error, code int) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("err = %v, want none", err)
		}
		return
	}
	var re *Error
	if !errors.As(err, &re) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if want == errNoKind && re.Kind != nil || want != errNoKind && !errors.Is(err, want) {
		t.Errorf("err = %v, want kind %v", err, want)
	}
	if re.StatusCode != code {
		t.Errorf("status code = %d, want %d", re.StatusCode, code)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	for opName, op := range ops {
		t.Run(opName, func(t *testing.T) {
			f := newFront(t)
			repo := f.repo(t, "app")
			push(t, repo, nil, "1.0")
			r, _ := newResolver(t)
			f.reset()
			fault := firstN(1, status(429, "Retry-After", "1"))()
			f.setFault(func(w http.ResponseWriter, req *http.Request) {
				if strings.Contains(req.URL.Path, op.target) {
					fault(w, req)
				}
			})

			if err := op.call(t.Context(), r, repo); err != nil {
				t.Fatal(err)
			}
			hits := append(f.matching(http.MethodGet, op.target), f.matching(http.MethodHead, op.target)...)
			if len(hits) != 2 {
				t.Fatalf("requests = %d, want 2", len(hits))
			}
			if gap := hits[1].at.Sub(hits[0].at); gap < 950*time.Millisecond || gap > 2500*time.Millisecond {
				t.Errorf("retried after %s, want about 1s (Retry-After)", gap)
			}
		})
	}
}

func TestRetryNeverPassesTheDeadline(t *testing.T) {
	for opName, op := range ops {
		t.Run(opName, func(t *testing.T) {
			f := newFront(t)
			repo := f.repo(t, "app")
			push(t, repo, nil, "1.0")
			r, _ := newResolver(t)
			if _, err := r.ListTags(t.Context(), repo, Access{}); err != nil { // warm up
				t.Fatal(err)
			}
			f.reset()
			f.setFault(func(w http.ResponseWriter, req *http.Request) {
				if strings.Contains(req.URL.Path, op.target) {
					status(503, "Retry-After", "2")(w, req)
				}
			})
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()

			start := time.Now()
			err := op.call(ctx, r, repo)
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("err = %v, want ErrUnavailable", err)
			}
			if took := time.Since(start); took > 400*time.Millisecond { // waiting would take 500ms
				t.Errorf("took %s: waited for a retry that could not start before the deadline", took)
			}
			if n := f.total(); n != 1 {
				t.Errorf("requests = %d, want 1", n)
			}
		})
	}
}

func TestSlowRegistryNeverOutlivesContext(t *testing.T) {
	calls := map[string]registryOp{
		"list":   ops["list"].call,
		"digest": ops["digest"].call,
		"cached digest": func(ctx context.Context, r *Resolver, repo name.Repository) error {
			_, err := r.CachedDigest(ctx, repo.Tag("1.0"), &v1.Platform{OS: "linux", Architecture: "amd64"}, Access{})
			return err
		},
		"cold transport": func(ctx context.Context, r *Resolver, repo name.Repository) error {
			_, err := r.ListTags(ctx, repo.Registry.Repo("other"), Access{})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			f := newFront(t)
			repo := f.repo(t, "app")
			push(t, repo, nil, "1.0")
			r, _ := newResolver(t, WithSharedTimeout(time.Second))
			if _, err := r.ListTags(t.Context(), repo, Access{}); err != nil { // warm up
				t.Fatal(err)
			}
			// Shared work (handshakes, cache fills) outlives its first caller
			// by design, up to the shared timeout; the test does not wait.
			stop := make(chan struct{})
			t.Cleanup(func() { close(stop) })
			f.setFault(func(w http.ResponseWriter, req *http.Request) {
				select { // stall until the client gives up
				case <-req.Context().Done():
				case <-stop:
				}
			})
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()

			start := time.Now()
			err := call(ctx, r, repo)
			if took := time.Since(start); took > 800*time.Millisecond { // the server stalls until cleanup
				t.Errorf("returned after %s, deadline was 300ms", took)
			}
			if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnavailable) {
				t.Errorf("err = %v, want context.DeadlineExceeded and ErrUnavailable", err)
			}
		})
	}
}

func TestCanceledIsNotUnavailable(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	r, _ := newResolver(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	_, err := r.ListTags(ctx, repo, Access{})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want context.Canceled and no sentinel", err)
	}
}

func TestRefusedConnection(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	f.Close()
	r, _ := newResolver(t)

	_, err := r.ListTags(t.Context(), repo, Access{})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}
