package resolver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	distribution "github.com/imagepin/imagepin/internal/testenv/registry"
)

// distributionFixture is a real CNCF Distribution v3 registry with htpasswd
// auth and TLS from a private CA, seeded for the subtests of TestDistribution.
type distributionFixture struct {
	reg      *distribution.Registry
	tags     []string           // of team/app, one image each
	index    v1.Hash            // team/multi:1.0
	children map[string]v1.Hash // its images by platform
	ok       Access             // valid credentials and CA
}

// TestDistribution runs the resolver against a real registry process.
func TestDistribution(t *testing.T) {
	reg := distribution.StartT(t, distribution.Options{Username: "robot", Password: "s3cret", TLS: true, EnableDelete: true})
	d := &distributionFixture{reg: reg, tags: manyTags(130), ok: Access{Auth: reg.Authenticator(), CAPEM: reg.CAPEM}}
	if _, err := reg.Push(t.Context(), "team/app", d.tags...); err != nil {
		t.Fatal(err)
	}
	var err error
	if d.index, d.children, err = reg.PushIndex(t.Context(), "team/multi", "1.0", linuxAMD64, linuxARM64); err != nil {
		t.Fatal(err)
	}
	t.Run("pages through Link headers", d.testPaging)
	t.Run("credentials from a docker config", d.testDockerConfig)
	t.Run("wrong or missing credentials", d.testUnauthorized)
	t.Run("untrusted certificate", d.testUntrusted)
	t.Run("digests and platforms", d.testDigests)
	t.Run("one handshake, then one request per call", d.testReuse)
	t.Run("concurrent cached lookups", d.testCachedLookups)
	t.Run("deleted tag", d.testDeletedTag)
}

// repo names a repository of the registry.
func (d *distributionFixture) repo(t *testing.T, path string) name.Repository {
	t.Helper()
	r, err := name.NewRepository(d.reg.Repo(path))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (d *distributionFixture) testPaging(t *testing.T) {
	r, _ := newResolver(t, WithPageSize(50))
	if _, err := r.ListTags(t.Context(), d.repo(t, "team/app"), d.ok); err != nil { // warm up
		t.Fatal(err)
	}
	var counter RequestCounter
	got, err := r.ListTags(ContextWithCounter(t.Context(), &counter), d.repo(t, "team/app"), d.ok)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if diff := cmp.Diff(d.tags, got); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if n := counter.Requests(); n != 3 {
		t.Errorf("requests = %d, want 3 pages of at most 50", n)
	}
}

func (d *distributionFixture) testDockerConfig(t *testing.T) {
	config := fmt.Appendf(nil, `{"auths":{%q:{"username":%q,"password":%q}}}`, d.reg.Host, d.reg.Username, d.reg.Password)
	kc, err := KeychainFromDockerConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newResolver(t)
	got, err := r.ListTags(t.Context(), d.repo(t, "team/app"), Access{Keychain: kc, CAPEM: d.reg.CAPEM})
	if err != nil || len(got) != len(d.tags) {
		t.Fatalf("ListTags = %d tags, %v; want %d", len(got), err, len(d.tags))
	}
}

func (d *distributionFixture) testUnauthorized(t *testing.T) {
	r, _ := newResolver(t)
	wrong := Access{Auth: &authn.Basic{Username: d.reg.Username, Password: "guess"}, CAPEM: d.reg.CAPEM}
	for name, a := range map[string]Access{"wrong password": wrong, "anonymous": {CAPEM: d.reg.CAPEM}} {
		if _, err := r.ListTags(t.Context(), d.repo(t, "team/app"), a); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: ListTags err = %v, want ErrUnauthorized", name, err)
		}
		if _, err := r.Digest(t.Context(), d.repo(t, "team/app").Tag(d.tags[0]), nil, a); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: Digest err = %v, want ErrUnauthorized", name, err)
		}
	}
}

func (d *distributionFixture) testUntrusted(t *testing.T) {
	r, _ := newResolver(t)
	if _, err := r.ListTags(t.Context(), d.repo(t, "team/app"), Access{Auth: d.ok.Auth}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}

func (d *distributionFixture) testDigests(t *testing.T) {
	r, _ := newResolver(t)
	multi := d.repo(t, "team/multi").Tag("1.0")
	tests := map[string]struct {
		ref      name.Tag
		platform *v1.Platform
		want     v1.Hash
		wantErr  error
	}{
		"index":                    {ref: multi, want: d.index},
		"arm64 of the index":       {ref: multi, platform: &linuxARM64, want: d.children[linuxARM64.String()]},
		"amd64 of the index":       {ref: multi, platform: &linuxAMD64, want: d.children[linuxAMD64.String()]},
		"platform not in index":    {ref: multi, platform: &linuxS390X, wantErr: ErrPlatformNotFound},
		"image without a platform": {ref: d.repo(t, "team/app").Tag(d.tags[0]), platform: &linuxAMD64, wantErr: ErrPlatformNotFound},
		"unknown tag":              {ref: d.repo(t, "team/app").Tag("nope"), wantErr: ErrNotFound},
		"unknown repository":       {ref: d.repo(t, "team/nope").Tag("1.0"), wantErr: ErrNotFound},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := r.Digest(t.Context(), tc.ref, tc.platform, d.ok)
			if !errors.Is(err, tc.wantErr) || (err != nil && tc.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("digest = %s, want %s", got, tc.want)
			}
		})
	}
}

func (d *distributionFixture) testReuse(t *testing.T) {
	r, _ := newResolver(t)
	var cold, warm RequestCounter
	app := d.repo(t, "team/app")
	if _, err := r.Digest(ContextWithCounter(t.Context(), &cold), app.Tag(d.tags[1]), nil, d.ok); err != nil {
		t.Fatal(err)
	}
	ctx := ContextWithCounter(t.Context(), &warm)
	for _, tag := range d.tags[2:6] {
		if _, err := r.Digest(ctx, app.Tag(tag), nil, d.ok); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.ListTags(ctx, app, d.ok); err != nil {
		t.Fatal(err)
	}
	if c, w := cold.Requests(), warm.Requests(); c != 2 || w != 5 {
		t.Errorf("cold call = %d requests (want ping + HEAD), warm calls = %d (want 5)", c, w)
	}
}

func (d *distributionFixture) testCachedLookups(t *testing.T) {
	r, _ := newResolver(t)
	var counter RequestCounter
	ctx := ContextWithCounter(t.Context(), &counter)
	ref := d.repo(t, "team/multi").Tag("1.0")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := r.CachedDigest(ctx, ref, &linuxARM64, d.ok); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := counter.Requests(); n != 3 { // ping, HEAD, GET of the index
		t.Errorf("requests = %d for 20 concurrent lookups, want 3", n)
	}
}

func (d *distributionFixture) testDeletedTag(t *testing.T) {
	r, _ := newResolver(t)
	gone := d.repo(t, "team/app").Tag(d.tags[len(d.tags)-1])
	if _, err := r.Digest(t.Context(), gone, nil, d.ok); err != nil {
		t.Fatal(err)
	}
	if err := d.reg.DeleteTag(t.Context(), "team/app", gone.TagStr()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Digest(t.Context(), gone, nil, d.ok); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

// TestDistributionDeadline checks that a deadline too short for the
// handshake with a real registry ends the call on time.
func TestDistributionDeadline(t *testing.T) {
	reg := distribution.StartT(t, distribution.Options{TLS: true})
	r, _ := newResolver(t)
	ref, err := name.NewTag(reg.Repo("app") + ":1.0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = r.Digest(ctx, ref, nil, Access{CAPEM: reg.CAPEM})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("returned after %s", took)
	}
}

// BenchmarkScanDistribution5kTags is BenchmarkScan5kTags against a real
// Distribution registry (TLS, htpasswd), whose own paging answers ?n=1000.
func BenchmarkScanDistribution5kTags(b *testing.B) {
	reg := distribution.StartT(b, distribution.Options{Username: "robot", Password: "s3cret", TLS: true})
	tags := manyTags(5000)
	tagAll(b, reg, "big", tags)
	ref, err := name.NewTag(reg.Repo("big") + ":" + tags[len(tags)-1])
	if err != nil {
		b.Fatal(err)
	}
	a := Access{Auth: reg.Authenticator(), CAPEM: reg.CAPEM}
	r, _ := newResolver(b)
	var counter RequestCounter
	ctx := ContextWithCounter(b.Context(), &counter)
	scan := func() {
		got, err := r.ListTags(ctx, ref.Context(), a)
		if err != nil || len(got) != len(tags) {
			b.Fatalf("ListTags = %d tags, %v", len(got), err)
		}
		if _, err := r.Digest(ctx, ref, nil, a); err != nil {
			b.Fatal(err)
		}
	}
	scan()
	cold := counter.Requests()
	counter = RequestCounter{}
	b.ReportAllocs()
	b.ResetTimer()

	for b.Loop() {
		scan()
	}
	b.ReportMetric(float64(counter.Requests())/float64(b.N), "requests/op")
	b.ReportMetric(float64(cold), "cold-requests")
}

// tagAll pushes one image to repo and tags it with every tag, 8 at a time.
func tagAll(b *testing.B, reg *distribution.Registry, repo string, tags []string) {
	b.Helper()
	if _, err := reg.Push(b.Context(), repo, tags[0]); err != nil {
		b.Fatal(err)
	}
	pusher, err := remote.NewPusher(remote.WithTransport(reg.Transport()), remote.WithAuth(reg.Authenticator()))
	if err != nil {
		b.Fatal(err)
	}
	src, err := name.NewTag(reg.Repo(repo) + ":" + tags[0])
	if err != nil {
		b.Fatal(err)
	}
	desc, err := remote.Get(src, remote.WithTransport(reg.Transport()), remote.WithAuth(reg.Authenticator()))
	if err != nil {
		b.Fatal(err)
	}
	var g errgroup.Group
	g.SetLimit(8)
	for _, tag := range tags[1:] {
		g.Go(func() error {
			return pusher.Push(b.Context(), src.Context().Tag(tag), desc)
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}
