package cachetrim_test

import (
	"encoding/json"
	"runtime"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/cachetrim"
)

// BenchmarkCachedPolicy measures the heap that the cache holds per policy
// of a fleet (10,000 policies after their first scan, decoded as the
// informer decodes them): as the API server sends them, without
// managedFields (imagepin's cache before Policy), and trimmed by Policy:
//
//	go test ./policy/cachetrim -run '^$' -bench CachedPolicy -benchtime 1x
func BenchmarkCachedPolicy(b *testing.B) {
	const n = 10000
	dec := serializer.NewCodecFactory(kubescheme.Must()).UniversalDeserializer()
	raw := make([][]byte, n)
	for i := range raw {
		p := fleetPolicy(i)
		p.APIVersion, p.Kind = "imagepin.dev/v1alpha1", "ImagePolicy"
		p.ManagedFields = managed
		var err error
		if raw[i], err = json.Marshal(p); err != nil {
			b.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name      string
		transform toolscache.TransformFunc
	}{
		{"as-sent", func(obj any) (any, error) { return obj, nil }},
		{"without-managedFields", cache.TransformStripManagedFields()}, // imagepin before Policy
		{"trimmed", cachetrim.Policy},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				b.ReportMetric(heapPerPolicy(b, raw, func(data []byte) (any, error) {
					obj, _, err := dec.Decode(data, nil, nil)
					if err != nil {
						return nil, err
					}
					return tc.transform(obj)
				}), "B/policy")
			}
		})
	}
}

// heapPerPolicy is the live heap that the objects decode makes of raw
// take, per object.
func heapPerPolicy(b *testing.B, raw [][]byte, decode func([]byte) (any, error)) float64 {
	cached := make([]any, len(raw))
	before := liveHeap()
	for i := range cached {
		var err error
		if cached[i], err = decode(raw[i]); err != nil {
			b.Fatal(err)
		}
	}
	used := liveHeap() - before
	runtime.KeepAlive(cached)
	return float64(used) / float64(len(raw))
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
