package resolver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/time/rate"
)

// withBearer makes f a token-protected registry, as Docker Hub: requests
// without the token get a Bearer challenge whose realm is f's /token.
func withBearer(f *front, token string) {
	f.wrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/token":
				_ = json.NewEncoder(w).Encode(map[string]any{"token": token, "expires_in": 300})
			case r.Header.Get("Authorization") != "Bearer "+token:
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="test"`, f.URL))
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
			default:
				next.ServeHTTP(w, r)
			}
		})
	})
}

// withBasic makes f require HTTP basic auth as user:password.
func withBasic(f *front, user, password string) {
	f.wrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
}

func TestTransportIsReusedAcrossCalls(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	push(t, repo, nil, "1.0")
	_, children := pushIndex(t, repo, "multi", linuxAMD64, linuxARM64)
	withBearer(f, "t0k3n")
	f.reset()
	r, _ := newResolver(t)
	ctx := t.Context()

	for range 2 {
		if _, err := r.ListTags(ctx, repo, Access{}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Digest(ctx, repo.Tag("1.0"), nil, Access{}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.CachedDigest(ctx, repo.Tag("multi"), &linuxARM64, Access{})
	if err != nil || got != children[linuxARM64.String()] {
		t.Fatalf("CachedDigest = %s, %v", got, err)
	}
	if pings, tokens := f.count(http.MethodGet, "/v2/"), f.count(http.MethodGet, "/token"); pings != 1 || tokens != 1 {
		t.Errorf("pings, token requests = %d, %d over five calls; want 1, 1", pings, tokens)
	}

	// Another repository needs a token of its own scope.
	if _, err := r.ListTags(ctx, f.repo(t, "other"), Access{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if tokens := f.count(http.MethodGet, "/token"); tokens != 2 {
		t.Errorf("token requests = %d after a second repository, want 2", tokens)
	}
}

func TestBasicAuthFromDockerConfig(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "private/app")
	push(t, repo, nil, "1.0")
	withBasic(f, "robot", "s3cret")
	f.reset()
	r, _ := newResolver(t)
	config := func(password string) Access {
		t.Helper()
		kc, err := KeychainFromDockerConfig([]byte(fmt.Sprintf(`{"auths":{%q:{"username":"robot","password":%q}}}`, f.host, password)))
		if err != nil {
			t.Fatal(err)
		}
		return Access{Keychain: kc, Insecure: true} // a plain-HTTP front
	}

	for range 2 { // a keychain rebuilt from the same Secret reuses the transport
		tags, err := r.ListTags(t.Context(), repo, config("s3cret"))
		if err != nil || len(tags) != 1 {
			t.Fatalf("ListTags = %v, %v", tags, err)
		}
	}
	if pings := f.count(http.MethodGet, "/v2/"); pings != 1 {
		t.Errorf("pings = %d, want 1", pings)
	}
	for name, a := range map[string]Access{"wrong password": config("guess"), "anonymous": {}} {
		if _, err := r.ListTags(t.Context(), repo, a); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: err = %v, want ErrUnauthorized", name, err)
		}
	}
}

func TestExtraCA(t *testing.T) {
	f, ca := newTLSFront(t)
	repo := f.repo(t, "app")
	want := push(t, repo, nil, "1.0")
	// Paged over HTTPS on a loopback address, which remote.List refuses.
	servePagedTags(f, "paged", manyTags(25), 10, func(next string) string { return "<" + next + `>; rel="next"` })
	r, _ := newResolver(t)

	got, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{CAPEM: ca})
	if err != nil || got != want {
		t.Fatalf("Digest = %s, %v; want %s", got, err, want)
	}
	tags, err := r.ListTags(t.Context(), f.repo(t, "paged"), Access{CAPEM: ca, Insecure: true})
	if err != nil || len(tags) != 25 {
		t.Fatalf("ListTags = %d tags, %v; want 25", len(tags), err)
	}
	if _, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("without the CA: err = %v, want ErrUnavailable", err)
	}
	if _, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{CAPEM: []byte("not a certificate")}); err == nil {
		t.Error("garbage CA accepted")
	}
}

func TestInsecureAllowsPlainHTTP(t *testing.T) {
	for insecure, want := range map[bool]string{false: "https", true: "http"} {
		repo, err := name.NewRepository("registry.example.com/app")
		if err != nil {
			t.Fatal(err)
		}
		if got := (Access{Insecure: insecure}).repository(repo).Scheme(); got != want {
			t.Errorf("insecure=%v: scheme %s, want %s", insecure, got, want)
		}
	}
}

func TestRateLimitPerRegistry(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	push(t, repo, nil, "1.0")
	r, _ := newResolver(t, WithRateLimit(20, 1))
	if _, err := r.ListTags(t.Context(), repo, Access{}); err != nil {
		t.Fatal(err)
	}
	f.reset()

	start := time.Now()
	for range 6 {
		if _, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{}); err != nil {
			t.Fatal(err)
		}
	}
	hits := f.matching(http.MethodHead, "/manifests/")
	if took := hits[len(hits)-1].at.Sub(start); took < 225*time.Millisecond {
		t.Errorf("6 requests at 20/s took %s, want at least 250ms", took)
	}
}

func TestMaxInFlightPerRegistry(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	push(t, repo, nil, "1.0")
	var now, peak atomic.Int32
	f.setFault(func(_ http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/manifests/") {
			n := now.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(30 * time.Millisecond)
			now.Add(-1)
		}
	})
	r, _ := newResolver(t, WithMaxInFlight(2), WithRateLimit(rate.Inf, 0))

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p != 2 {
		t.Errorf("peak requests in flight = %d, want 2", p)
	}
}
