package registry_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/imagepin/imagepin/internal/testenv/registry"
)

func TestAuthTLSListTags(t *testing.T) {
	t.Parallel()
	r := registry.StartT(t, registry.Options{Username: "alice", Password: "s3cret", TLS: true})
	if r.CAPEM == nil {
		t.Fatal("CAPEM is nil for a TLS registry")
	}
	repo := mustRepo(t, r.Repo("team/app"))
	pushed, err := r.Push(t.Context(), "team/app", "1.0.0", "1.1.0", "2.0.0")
	if err != nil {
		t.Fatal(err)
	}

	auth := remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"})
	tags, err := remote.List(repo, auth, remote.WithTransport(r.Transport()), remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("list with credentials: %v", err)
	}
	if diff := cmp.Diff([]string{"1.0.0", "1.1.0", "2.0.0"}, tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	for tag, want := range pushed {
		desc, err := remote.Head(repo.Tag(tag), auth, remote.WithTransport(r.Transport()), remote.WithContext(t.Context()))
		if err != nil {
			t.Fatalf("head %s: %v", tag, err)
		}
		if desc.Digest != want {
			t.Errorf("digest of %s = %s, Push returned %s", tag, desc.Digest, want)
		}
	}

	_, err = remote.List(repo, remote.WithTransport(r.Transport()), remote.WithContext(t.Context()))
	if code := statusCode(err); code != http.StatusUnauthorized {
		t.Errorf("anonymous list: status %d (error %v), want 401", code, err)
	}
	_, err = remote.List(repo, remote.WithAuth(&authn.Basic{Username: "alice", Password: "wrong"}),
		remote.WithTransport(r.Transport()), remote.WithContext(t.Context()))
	if code := statusCode(err); code != http.StatusUnauthorized {
		t.Errorf("list with a wrong password: status %d (error %v), want 401", code, err)
	}
}

func TestTLSNeedsTheCA(t *testing.T) {
	t.Parallel()
	r := registry.StartT(t, registry.Options{TLS: true})
	_, err := remote.List(mustRepo(t, r.Repo("any")), remote.WithContext(t.Context()))
	if err == nil {
		t.Fatal("list without trusting the registry's CA succeeded")
	}
}

func TestPlainAnonymous(t *testing.T) {
	t.Parallel()
	r := registry.StartT(t, registry.Options{})
	if r.CAPEM != nil || r.Username != "" {
		t.Fatalf("plain registry has CAPEM %q, username %q", r.CAPEM, r.Username)
	}
	if _, err := r.Push(t.Context(), r.Repo("plain"), "v1"); err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(mustRepo(t, r.Repo("plain")), remote.WithContext(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"v1"}, tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

func TestStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real registry: runs in make test, not under -short")
	}
	t.Parallel()
	r, err := registry.Start(t.Context(), registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Push(t.Context(), "stop/me", "v1"); err != nil {
		t.Fatal(err)
	}
	if err := r.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := r.Stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if _, err := os.Stat(r.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("storage %s still there after Stop: %v", r.Dir, err)
	}
	if _, err := http.Get("http://" + r.Host + "/v2/"); err == nil {
		t.Errorf("registry on %s still answers after Stop", r.Host)
	}
}

func mustRepo(t *testing.T, s string) name.Repository {
	t.Helper()
	repo, err := name.NewRepository(s)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// statusCode returns the HTTP status of a go-containerregistry error, or 0.
func statusCode(err error) int {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return terr.StatusCode
	}
	return 0
}

// tagNames returns n tags "t00", "t01", … in lexical order.
func tagNames(n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("t%02d", i)
	}
	return tags
}
