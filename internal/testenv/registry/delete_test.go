package registry_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/imagepin/imagepin/internal/testenv/registry"
)

func TestDeleteTag(t *testing.T) {
	t.Parallel()
	r := registry.StartT(t, registry.Options{Username: "dave", Password: "pw", TLS: true, EnableDelete: true})
	if _, err := r.Push(t.Context(), "app", "keep", "drop"); err != nil {
		t.Fatal(err)
	}
	if err := r.DeleteTag(t.Context(), "app", "drop"); err != nil {
		t.Fatal(err)
	}

	opts := []remote.Option{remote.WithAuth(r.Authenticator()), remote.WithTransport(r.Transport()), remote.WithContext(t.Context())}
	repo := mustRepo(t, r.Repo("app"))
	tags, err := remote.List(repo, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"keep"}, tags); diff != "" {
		t.Errorf("tags after delete (-want +got):\n%s", diff)
	}
	_, err = remote.Head(repo.Tag("drop"), opts...)
	if code := statusCode(err); code != http.StatusNotFound {
		t.Errorf("head of the deleted tag: status %d (error %v), want 404", code, err)
	}
}

func TestDeleteTagNeedsEnableDelete(t *testing.T) {
	t.Parallel()
	r := registry.StartT(t, registry.Options{})
	if _, err := r.Push(t.Context(), "app", "v1"); err != nil {
		t.Fatal(err)
	}
	if err := r.DeleteTag(t.Context(), "app", "v1"); err == nil {
		t.Error("DeleteTag succeeded on a registry started without EnableDelete")
	}
}
