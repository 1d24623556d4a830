package webhook_test

import (
	"context"
	"crypto/sha256"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/resolver"
)

// own is imagepin's namespace in these tests.
const own = "imagepin-system"

// namespace builds a Namespace with the pinning label set to mode ("" for none).
func namespace(name, mode string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
	if mode != "" {
		ns.Labels[v1alpha1.PinningLabel] = mode
	}
	return ns
}

// imagePolicy builds an ImagePolicy for image; current, when not empty,
// becomes status.current.image.
func imagePolicy(ns, name, image, current string) *v1alpha1.ImagePolicy {
	p := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ImagePolicySpec{
			Image:  image,
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=1.0.0"}},
		},
	}
	if current != "" {
		p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: v1alpha1.ImageRecord{
			Image: current, Digest: current[strings.LastIndex(current, "@")+1:], Source: v1alpha1.SourceScan,
		}}
	}
	return p
}

// indexCapture is a client.FieldIndexer that keeps what IndexPolicies
// registers, to install the same index into a fake client.
type indexCapture struct {
	obj   client.Object
	field string
	fn    client.IndexerFunc
}

// IndexField implements client.FieldIndexer.
func (c *indexCapture) IndexField(_ context.Context, obj client.Object, field string, fn client.IndexerFunc) error {
	c.obj, c.field, c.fn = obj, field, fn
	return nil
}

// fakeCache is a client holding objs, indexed as the manager's cache is.
func fakeCache(t testing.TB, objs ...client.Object) client.Client {
	t.Helper()
	var idx indexCapture
	if err := governing.IndexPolicies(context.Background(), &idx); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(kubescheme.NewT(t)).WithObjects(objs...).
		WithIndex(idx.obj, idx.field, idx.fn).Build()
}

// refuse is a DigestResolver that fails the test when called: it proves
// that a path makes no registry call.
type refuse struct{ t testing.TB }

// CachedDigest implements webhook.DigestResolver.
func (r refuse) CachedDigest(_ context.Context, ref name.Tag, _ *v1.Platform, _ resolver.Access) (v1.Hash, error) {
	r.t.Errorf("registry called for %s, want no registry call", ref)
	return v1.Hash{}, fmt.Errorf("registry called for %s", ref)
}

// counting is a DigestResolver that answers sha256(tag) after delay, fails
// for tags named in fail, and records calls and the highest concurrency.
type counting struct {
	delay time.Duration
	fail  map[string]error

	calls, inFlight, maxInFlight atomic.Int64
	mu                           sync.Mutex
	refs                         []string
}

// CachedDigest implements webhook.DigestResolver.
func (c *counting) CachedDigest(ctx context.Context, ref name.Tag, _ *v1.Platform, _ resolver.Access) (v1.Hash, error) {
	c.calls.Add(1)
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for m := c.maxInFlight.Load(); n > m && !c.maxInFlight.CompareAndSwap(m, n); m = c.maxInFlight.Load() {
	}
	c.mu.Lock()
	c.refs = append(c.refs, ref.String())
	c.mu.Unlock()
	select {
	case <-time.After(c.delay):
	case <-ctx.Done():
		return v1.Hash{}, fmt.Errorf("resolve %s: %w", ref, ctx.Err())
	}
	if err, ok := c.fail[ref.TagStr()]; ok {
		return v1.Hash{}, err
	}
	return fakeDigest(ref.String()), nil
}

// fakeDigest is a valid, deterministic digest for s.
func fakeDigest(s string) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256([]byte(s)))}
}

// testRegistry is go-containerregistry's in-process registry on 127.0.0.1,
// optionally behind HTTP basic auth.
type testRegistry struct {
	host string
	// ca is the PEM of the registry's certificate when it serves HTTPS.
	ca []byte
	// opts reach the registry (its CA) for pushes.
	opts []remote.Option
}

// startRegistry starts an in-process registry; with user set it demands
// basic auth with user and password "pw", and serves HTTPS, as credentials
// never go over plain HTTP.
func startRegistry(t testing.TB, user string) *testRegistry {
	t.Helper()
	h := http.Handler(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	if user == "" {
		srv := httptest.NewUnstartedServer(h)
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.Start()
		t.Cleanup(srv.Close)
		return &testRegistry{host: strings.TrimPrefix(srv.URL, "http://")}
	}
	srv := httptest.NewUnstartedServer(basicAuth(user, "pw", h))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return &testRegistry{host: strings.TrimPrefix(srv.URL, "https://"), ca: ca,
		opts: []remote.Option{remote.WithTransport(srv.Client().Transport)}}
}

// basicAuth lets only user:password through to next.
func basicAuth(user, password string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// push writes a deterministic image (seeded by repo and tag) to repo:tag
// and returns its digest.
func (r *testRegistry) push(t testing.TB, repo, tag string, opts ...remote.Option) v1.Hash {
	t.Helper()
	seed := int64(0)
	for _, b := range []byte(repo + ":" + tag) {
		seed = seed*31 + int64(b)
	}
	img, err := random.Image(256, 1, random.WithSource(rand.NewSource(seed)))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(r.host + "/" + repo + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, append(opts, r.opts...)...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// newResolver is a real resolver without retries, for fast failures.
func newResolver(t testing.TB) *resolver.Resolver {
	t.Helper()
	r, err := resolver.New(resolver.WithRetry(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// remoteAuth is a remote option with basic credentials.
func remoteAuth(user, password string) remote.Option {
	return remote.WithAuth(&authn.Basic{Username: user, Password: password})
}
