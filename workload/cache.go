package workload

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// revisionObjects are the kinds of revision objects, one informer each.
func revisionObjects() []client.Object {
	out := make([]client.Object, 0, len(Kinds()))
	for _, k := range Kinds() {
		out = append(out, NewObject(k))
	}
	return out
}

// CacheByObject returns the cache settings of revision objects: each is
// stored stripped. Merge it into the manager's cache.Options.ByObject.
func CacheByObject() map[client.Object]cache.ByObject {
	m := map[client.Object]cache.ByObject{}
	for _, obj := range revisionObjects() {
		m[obj] = cache.ByObject{Transform: Strip}
	}
	return m
}

// StartInformers starts the informers of revision objects in c, so that
// they sync with the cache before the manager reports ready and the first
// admission does not wait for a list.
func StartInformers(ctx context.Context, c cache.Cache) error {
	for _, obj := range revisionObjects() {
		if _, err := c.GetInformer(ctx, obj); err != nil {
			return fmt.Errorf("informer of %T: %w", obj, err)
		}
	}
	return nil
}
