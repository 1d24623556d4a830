package governing_test

import (
	"context"
	"testing"

	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
)

// TestMemoryFollowsEvents checks that Memory follows updates (a policy
// that gains a current takes over, a policy whose spec.image moves leaves
// its old repository), deletions (also as a tombstone) and policies whose
// spec.image is not a repository.
func TestMemoryFollowsEvents(t *testing.T) {
	inf := &fakeInformers{objs: []client.Object{
		policy("apps", "a-web", "nginx", ""),
		policy("apps", "b-web", "nginx", ""),
	}}
	mem, err := governing.NewMemory(t.Context(), inf)
	if err != nil {
		t.Fatal(err)
	}
	want := func(image, policy string) {
		t.Helper()
		got, found, err := mem.Lookup(t.Context(), "apps", repository(t, image))
		if err != nil {
			t.Fatal(err)
		}
		if found != (policy != "") || got.Name != policy {
			t.Errorf("Lookup(%s) = %q, %v; want %q", image, got.Name, found, policy)
		}
	}
	want("nginx", "a-web")
	b := policy("apps", "b-web", "nginx", "nginx:1.25@"+digestA)
	inf.handler.OnUpdate(nil, b)
	want("nginx", "b-web") // a trusted current first
	moved := policy("apps", "b-web", "ghcr.io/acme/web", "")
	inf.handler.OnUpdate(b, moved)
	want("nginx", "a-web")
	want("ghcr.io/acme/web", "b-web")
	inf.handler.OnDelete(toolscache.DeletedFinalStateUnknown{Key: "apps/b-web", Obj: moved})
	want("ghcr.io/acme/web", "")
	broken := policy("apps", "a-web", "Not A Repository", "")
	inf.handler.OnUpdate(nil, broken)
	want("nginx", "")
	inf.handler.OnAdd(policy("apps", "a-web", "nginx", ""), false)
	want("nginx", "a-web")
	inf.handler.OnDelete(policy("apps", "a-web", "nginx", ""))
	want("nginx", "")
}

// TestMemoryWaitsForSync: a lookup before the informer's initial list
// fails when its context ends, and answers once the list is in.
func TestMemoryWaitsForSync(t *testing.T) {
	inf := &fakeInformers{objs: []client.Object{policy("apps", "web", "nginx", "")}, unsynced: true}
	mem, err := governing.NewMemory(t.Context(), inf)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := mem.Lookup(ctx, "apps", repository(t, "nginx")); err == nil {
		t.Error("Lookup before the initial list answered, want an error")
	}
	inf.unsynced = false
	if got, found, err := mem.Lookup(t.Context(), "apps", repository(t, "nginx")); err != nil || !found || got.Name != "web" {
		t.Errorf("Lookup after the initial list = %q, %v, %v; want web", got.Name, found, err)
	}
}

// fakeInformers hands out one informer that delivers objs to the handler
// added to it and keeps the handler for the test to call.
type fakeInformers struct {
	objs     []client.Object
	unsynced bool
	handler  toolscache.ResourceEventHandler
}

func (f *fakeInformers) GetInformer(_ context.Context, obj client.Object, _ ...cache.InformerGetOption) (cache.Informer, error) {
	if _, ok := obj.(*v1alpha1.ImagePolicy); !ok {
		panic("fakeInformers serves ImagePolicies only")
	}
	return fakeInformer{f: f}, nil
}

// fakeInformer implements AddEventHandler; calls of the other methods
// panic on the nil embedded interface.
type fakeInformer struct {
	cache.Informer
	f *fakeInformers
}

func (i fakeInformer) AddEventHandler(h toolscache.ResourceEventHandler) (toolscache.ResourceEventHandlerRegistration, error) {
	i.f.handler = h
	for _, o := range i.f.objs {
		h.OnAdd(o, true)
	}
	return registration{f: i.f}, nil
}

// registration reports the informer synced unless the test says otherwise.
type registration struct {
	toolscache.ResourceEventHandlerRegistration
	f *fakeInformers
}

func (r registration) HasSynced() bool { return !r.f.unsynced }
