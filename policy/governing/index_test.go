package governing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/governing"
)

// TestIndexPoliciesTwice registers the repository index twice with a real
// informer cache, as the webhook, the recorder and the rollout controller
// of one manager do: the second registration succeeds and the index works.
// A cache refuses a second index of one name, so without the check in
// IndexPolicies the second call fails.
func TestIndexPoliciesTwice(t *testing.T) {
	logf.SetLogger(logr.Discard())
	cp := controlPlane.Get(t)
	c, err := cache.New(cp.Config, cache.Options{Scheme: kubescheme.NewT(t)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := governing.IndexPolicies(t.Context(), c); err != nil {
			t.Fatalf("registration %d: %v", i+1, err)
		}
	}
	testenv.Run(t, "cache", c.Start)

	cl, err := client.New(cp.Config, client.Options{Scheme: kubescheme.NewT(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Create(t.Context(), policy("default", "web", "nginx", "")); err != nil {
		t.Fatal(err)
	}
	lookup := governing.NewPolicies(c)
	err = wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		p, ok, err := lookup.Lookup(ctx, "default", repository(t, "index.docker.io/library/nginx"))
		return ok && p.Name == "web", err
	})
	if err != nil {
		t.Fatalf("policy not found through the index: %v", err)
	}
}

// TestIndexPoliciesOtherErrors: errors other than a second registration
// of RepositoryIndex are returned.
func TestIndexPoliciesOtherErrors(t *testing.T) {
	for name, err := range map[string]error{
		"stopped informer":          errors.New("indexer was not added because it has stopped already"),
		"conflict of another index": errors.New("indexer conflict: map[field:other:{}]"),
	} {
		t.Run(name, func(t *testing.T) {
			if got := governing.IndexPolicies(t.Context(), failingIndexer{err}); !errors.Is(got, err) {
				t.Errorf("IndexPolicies = %v, want %v", got, err)
			}
		})
	}
}

type failingIndexer struct{ err error }

func (f failingIndexer) IndexField(context.Context, client.Object, string, client.IndexerFunc) error {
	return f.err
}
