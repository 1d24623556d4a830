package registry

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/imagepin/imagepin/internal/testenv"
)

// InProcess is go-containerregistry's OCI registry served in the test
// process over plain HTTP on 127.0.0.1: real registry semantics without a
// process to start, plus counters and an outage switch. It does not send
// Link headers, so paging needs the Distribution registry (Start).
type InProcess struct {
	// Host is "127.0.0.1:PORT".
	Host string
	// Listings and Manifests count tag-list requests and manifest
	// HEAD/GET requests.
	Listings, Manifests atomic.Int32
	// Down makes every request answer 503, as a registry in an outage.
	Down atomic.Bool
}

// NewInProcess serves a fresh registry until t ends.
func NewInProcess(t testenv.TB) *InProcess {
	t.Helper()
	r := &InProcess{}
	h := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.Down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		r.count(req)
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.Host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

func (r *InProcess) count(req *http.Request) {
	switch {
	case strings.HasSuffix(req.URL.Path, "/tags/list"):
		r.Listings.Add(1)
	case strings.Contains(req.URL.Path, "/manifests/") && (req.Method == http.MethodHead || req.Method == http.MethodGet):
		r.Manifests.Add(1)
	}
}

// Repo returns the full name of repo in this registry.
func (r *InProcess) Repo(repo string) string {
	return r.Host + "/" + repo
}

// Push writes a distinct small random image under each tag of repo and
// returns tag → manifest digest.
func (r *InProcess) Push(t testenv.TB, repo string, tags ...string) map[string]string {
	t.Helper()
	digests := make(map[string]string, len(tags))
	for _, tag := range tags {
		img, err := random.Image(32, 1)
		if err != nil {
			t.Fatal(err)
		}
		ref := r.tag(t, repo, tag)
		if err := remote.Write(ref, img); err != nil {
			t.Fatalf("push %s: %v", ref, err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests[tag] = d.String()
	}
	return digests
}

// DeleteTag removes tag from repo's tag list.
func (r *InProcess) DeleteTag(t testenv.TB, repo, tag string) {
	t.Helper()
	ref := r.tag(t, repo, tag)
	if err := remote.Delete(ref); err != nil {
		t.Fatalf("delete %s: %v", ref, err)
	}
}

func (r *InProcess) tag(t testenv.TB, repo, tag string) name.Tag {
	t.Helper()
	ref, err := name.NewTag(r.Repo(repo) + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}
