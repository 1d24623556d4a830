package registry_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/imagepin/imagepin/internal/testenv/registry"
)

func TestPushIndex(t *testing.T) {
	t.Parallel()
	r := registry.StartT(t, registry.Options{Username: "carol", Password: "pw", TLS: true})
	platforms := []v1.Platform{
		{OS: "linux", Architecture: "amd64"},
		{OS: "linux", Architecture: "arm64", Variant: "v8"},
	}
	indexDigest, manifests, err := r.PushIndex(t.Context(), "multi", "1.0", platforms...)
	if err != nil {
		t.Fatal(err)
	}

	opts := []remote.Option{remote.WithAuth(r.Authenticator()), remote.WithTransport(r.Transport()), remote.WithContext(t.Context())}
	ref := mustRepo(t, r.Repo("multi")).Tag("1.0")
	idx, err := remote.Index(ref, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := idx.Digest(); err != nil || got != indexDigest {
		t.Errorf("index digest = %s (%v), PushIndex returned %s", got, err, indexDigest)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]v1.Hash{}
	for _, desc := range im.Manifests {
		if desc.Platform == nil {
			t.Fatalf("manifest %s has no platform", desc.Digest)
		}
		got[desc.Platform.String()] = desc.Digest
	}
	want := map[string]v1.Hash{"linux/amd64": manifests["linux/amd64"], "linux/arm64/v8": manifests["linux/arm64/v8"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("index manifests by platform (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, manifests); diff != "" {
		t.Errorf("PushIndex manifests (-want +got):\n%s", diff)
	}

	// The child image's own config names its platform too.
	img, err := remote.Image(ref.Context().Digest(manifests["linux/arm64/v8"].String()), opts...)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Platform(); p == nil || p.String() != "linux/arm64/v8" {
		t.Errorf("config platform of the arm64 image = %v, want linux/arm64/v8", p)
	}
}
