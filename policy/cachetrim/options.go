package cachetrim

import (
	"maps"

	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/workload"
)

// Options returns the manager's cache settings (see the package comment).
func Options() cache.Options {
	byObject := map[client.Object]cache.ByObject{&v1alpha1.ImagePolicy{}: {Transform: Policy}}
	maps.Copy(byObject, workload.CacheByObject())
	return cache.Options{ByObject: byObject, DefaultTransform: Meta}
}
