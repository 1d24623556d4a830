package resolver

import (
	"bufio"
	"crypto/tls"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/prometheus/client_golang/prometheus"
)

// hit is one request seen by a front.
type hit struct {
	method, path, query string
	at                  time.Time
}

// front is an HTTP server in front of go-containerregistry's in-process
// registry: it records every request and lets a test inject faults.
type front struct {
	*httptest.Server
	host string

	mu    sync.Mutex
	hits  []hit
	fault http.HandlerFunc // answers instead of the registry when it writes
	next  http.Handler     // the registry, possibly behind test middleware
}

// newFront starts a plain-HTTP front over a fresh in-process registry.
func newFront(t testing.TB) *front {
	t.Helper()
	f := &front{}
	f.next = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.Start()
	t.Cleanup(f.Close)
	f.host = strings.TrimPrefix(f.URL, "http://")
	return f
}

// newTLSFront starts an HTTPS front and returns it with its CA in PEM.
func newTLSFront(t testing.TB) (*front, []byte) {
	t.Helper()
	f := &front{}
	f.next = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.StartTLS()
	t.Cleanup(f.Close)
	f.host = strings.TrimPrefix(f.URL, "https://")
	return f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Certificate().Raw})
}

// seeding is how tests push images: trusting any test certificate.
var seeding = remote.WithTransport(&http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}) // test servers only

// serve records r, then lets the fault or the registry answer.
func (f *front) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.hits = append(f.hits, hit{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, at: time.Now()})
	fault, next := f.fault, f.next
	f.mu.Unlock()
	if fault != nil {
		rec := &recorder{ResponseWriter: w}
		if fault(rec, r); rec.wrote {
			return
		}
	}
	next.ServeHTTP(w, r)
}

// recorder notes whether a fault handler answered.
type recorder struct {
	http.ResponseWriter
	wrote bool
}

func (r *recorder) WriteHeader(code int)        { r.wrote = true; r.ResponseWriter.WriteHeader(code) }
func (r *recorder) Write(b []byte) (int, error) { r.wrote = true; return r.ResponseWriter.Write(b) }

// Hijack lets a fault drop the connection.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.wrote = true
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// setFault installs fn; it answers requests it writes to and passes the rest.
func (f *front) setFault(fn http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fn
}

// reset forgets the requests seen so far.
func (f *front) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits = nil
}

// matching returns the requests seen with method whose path contains part
// ("/v2/" alone matches only the ping).
func (f *front) matching(method, part string) []hit {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []hit
	for _, h := range f.hits {
		ok := strings.Contains(h.path, part)
		if part == "/v2/" {
			ok = h.path == part
		}
		if h.method == method && ok {
			out = append(out, h)
		}
	}
	return out
}

// count is len(matching(method, part)).
func (f *front) count(method, part string) int { return len(f.matching(method, part)) }

// total returns the number of requests seen.
func (f *front) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.hits)
}

// repo names a repository on the front.
func (f *front) repo(t testing.TB, path string) name.Repository {
	t.Helper()
	repo, err := name.NewRepository(f.host + "/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// image returns a small random image whose config names platform (if set).
func image(t testing.TB, platform *v1.Platform) v1.Image {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if platform == nil {
		return img
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant = platform.OS, platform.Architecture, platform.Variant
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	return img
}

// push writes a single-platform image under each tag and returns its digest.
func push(t testing.TB, repo name.Repository, platform *v1.Platform, tags ...string) v1.Hash {
	t.Helper()
	img := image(t, platform)
	for _, tag := range tags {
		if err := remote.Write(repo.Tag(tag), img, remote.WithContext(t.Context()), seeding); err != nil {
			t.Fatal(err)
		}
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return digest
}

// pushIndex writes an index with one image per platform under tag and
// returns the index digest and the images' digests by platform string.
func pushIndex(t testing.TB, repo name.Repository, tag string, platforms ...v1.Platform) (v1.Hash, map[string]v1.Hash) {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	children := map[string]v1.Hash{}
	for _, p := range platforms {
		img := image(t, &p)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
		children[p.String()], _ = img.Digest()
	}
	if err := remote.WriteIndex(repo.Tag(tag), idx, remote.WithContext(t.Context()), seeding); err != nil {
		t.Fatal(err)
	}
	digest, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return digest, children
}

// newResolver returns a resolver with fast retries and its own metrics registry.
func newResolver(t testing.TB, opts ...Option) (*Resolver, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	base := []Option{WithRegisterer(reg), WithRetry(4, 10*time.Millisecond, 2*time.Second), WithRateLimit(1000, 1000)}
	r, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r, reg
}

// wrap puts middleware (e.g. an auth check) in front of the registry.
func (f *front) wrap(mw func(http.Handler) http.Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = mw(f.next)
}
