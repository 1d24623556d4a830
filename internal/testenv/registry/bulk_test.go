package registry_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/imagepin/imagepin/internal/testenv/registry"
)

func TestPushTagsInMemoryHandlerRequests(t *testing.T) {
	t.Parallel()
	r := registry.StartT(t, registry.Options{Username: "alice", Password: "s3cret", Metrics: true, InMemory: true})
	repos := []string{"fleet/a", "fleet/b", "fleet/c"}
	tags := []string{"1.0.0", "1.1.0", "1.2.0", "2.0.0"}
	digest, err := r.PushTags(t.Context(), repos, tags, 4)
	if err != nil {
		t.Fatal(err)
	}
	before, err := r.HandlerRequests()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := before["manifest PUT"], len(repos)*len(tags); got != want {
		t.Errorf("manifest PUTs = %d, want %d (all counts: %v)", got, want, before)
	}
	opts := []remote.Option{remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"}),
		remote.WithTransport(r.Transport()), remote.WithContext(t.Context())}
	for _, repo := range repos {
		ref := mustRepo(t, r.Repo(repo))
		listed, err := remote.List(ref, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tags, listed); diff != "" {
			t.Errorf("tags of %s (-want +got):\n%s", repo, diff)
		}
		desc, err := remote.Head(ref.Tag("2.0.0"), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if desc.Digest != digest {
			t.Errorf("digest of %s:2.0.0 = %s, PushTags returned %s", repo, desc.Digest, digest)
		}
	}
	after, err := r.HandlerRequests()
	if err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[string]int{"tags GET": len(repos), "manifest HEAD": len(repos)} {
		if got := after[kind] - before[kind]; got != want {
			t.Errorf("%s requests = %d, want %d", kind, got, want)
		}
	}
}
