package metawatch

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// Cache is a cache of object metadata that keeps each object's identity
// and resourceVersion only. Build one per manager and share it: each kind
// is watched once, however many controllers take events from it.
type Cache struct {
	cache.Cache
}

// Handler is what a controller does with the events of a Cache.
type Handler = handler.TypedEventHandler[*metav1.PartialObjectMetadata, reconcile.Request]

// NewCache returns a Cache and adds it to mgr, which runs it (on the
// elected leader, as the controllers that watch it).
func NewCache(mgr manager.Manager) (*Cache, error) {
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		HTTPClient: mgr.GetHTTPClient(), Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(),
		DefaultTransform: identityOnly,
	})
	if err != nil {
		return nil, fmt.Errorf("metadata cache: %w", err)
	}
	if err := mgr.Add(c); err != nil {
		return nil, fmt.Errorf("metadata cache: %w", err)
	}
	return &Cache{Cache: c}, nil
}

// Source returns the events of objects of a core (v1) kind, such as
// "Secret", for a controller's WatchesRawSource.
func (c *Cache) Source(kind string, h Handler) source.Source {
	return source.Kind(c.Cache, Of(kind), h)
}

// Of is the metadata of a core (v1) kind, such as "Secret", as a Cache
// watches it.
func Of(kind string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: kind}}
}

// identityOnly keeps what a watch needs of an object and drops the rest
// (labels, annotations, owners, managed fields) before it is cached.
func identityOnly(obj any) (any, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return obj, nil // a deletion tombstone
	}
	return &metav1.PartialObjectMetadata{TypeMeta: m.TypeMeta, ObjectMeta: metav1.ObjectMeta{
		Namespace: m.Namespace, Name: m.Name, UID: m.UID, ResourceVersion: m.ResourceVersion,
	}}, nil
}
