package governing

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// InformerSource hands out shared informers: the manager's cache.
type InformerSource interface {
	GetInformer(ctx context.Context, obj client.Object, opts ...cache.InformerGetOption) (cache.Informer, error)
}

// Memory answers Lookup from a map kept by the ImagePolicy informer's
// events: one map read per image, no List, no reference parsing and no
// allocation on the admission path. Each policy's view (its trusted
// current, its usable history entries) is computed once per change of the
// policy instead of once per admission. It gives the answers of Policies.
type Memory struct {
	mu     sync.RWMutex
	byRepo map[repoKey][]Policy // governing order: see better
	keys   map[types.NamespacedName]repoKey
	synced atomic.Bool
	reg    toolscache.ResourceEventHandlerRegistration
}

// repoKey is a namespace and a normalised repository.
type repoKey struct {
	namespace, repository string
}

// NewMemory returns a Memory fed by the ImagePolicy informer of source.
// Lookups wait until the informer has delivered its initial list.
func NewMemory(ctx context.Context, source InformerSource) (*Memory, error) {
	m := newMemory()
	inf, err := source.GetInformer(ctx, &v1alpha1.ImagePolicy{}, cache.BlockUntilSynced(false))
	if err != nil {
		return nil, err
	}
	if m.reg, err = inf.AddEventHandler(m.handler()); err != nil {
		return nil, err
	}
	return m, nil
}

// newMemory returns an empty Memory without an informer.
func newMemory() *Memory {
	return &Memory{byRepo: map[repoKey][]Policy{}, keys: map[types.NamespacedName]repoKey{}}
}

// errNotSynced is returned by a lookup whose context ends before the
// informer's initial list arrived.
var errNotSynced = errors.New("ImagePolicies not read from the API server yet")

// Lookup returns the policy of namespace that governs repo, as
// Policies.Lookup does, from memory.
func (m *Memory) Lookup(ctx context.Context, namespace string, repo name.Repository) (Policy, bool, error) {
	if !m.synced.Load() {
		if m.reg != nil && !toolscache.WaitForCacheSync(ctx.Done(), m.reg.HasSynced) {
			return Policy{}, false, errNotSynced
		}
		m.synced.Store(true)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	ps := m.byRepo[repoKey{namespace, repo.Name()}]
	if len(ps) == 0 {
		return Policy{}, false, nil
	}
	return ps[0], true, nil
}

// handler returns the informer event handler that keeps m.
func (m *Memory) handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { m.set(obj) },
		UpdateFunc: func(_, obj any) { m.set(obj) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if p, ok := obj.(*v1alpha1.ImagePolicy); ok {
				m.mu.Lock()
				defer m.mu.Unlock()
				m.remove(types.NamespacedName{Namespace: p.Namespace, Name: p.Name})
			}
		},
	}
}

// set records policy obj, replacing what was known of it. The informer's
// objects are shared and never modified, so the view may point into them.
func (m *Memory) set(obj any) {
	p, ok := obj.(*v1alpha1.ImagePolicy)
	if !ok {
		return
	}
	id := types.NamespacedName{Namespace: p.Namespace, Name: p.Name}
	repo, valid := Repository(p.Spec.Image)
	var v Policy
	if valid {
		v = view(p, repo)
		v.entries, v.entriesKnown = v.computeEntries(), true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove(id)
	if !valid {
		return // the validating webhook rejects these; nothing to govern
	}
	key := repoKey{p.Namespace, repo}
	ps := m.byRepo[key]
	i, _ := slices.BinarySearchFunc(ps, v, func(a, b Policy) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	m.byRepo[key] = slices.Insert(ps, i, v)
	m.keys[id] = key
}

// remove forgets policy id; m.mu is held.
func (m *Memory) remove(id types.NamespacedName) {
	key, ok := m.keys[id]
	if !ok {
		return
	}
	delete(m.keys, id)
	ps := slices.DeleteFunc(m.byRepo[key], func(p Policy) bool { return p.Name == id.Name })
	if len(ps) == 0 {
		delete(m.byRepo, key)
		return
	}
	m.byRepo[key] = ps
}
