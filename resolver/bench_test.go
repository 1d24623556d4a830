package resolver

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkScan5kTags is one scanner cycle for a repository of 5,000 tags:
// list all tags (paged by 1,000 with Link headers), then HEAD the chosen
// tag, on a warm transport.
func BenchmarkScan5kTags(b *testing.B) {
	f := newFront(b)
	repo := f.repo(b, "big")
	tags := manyTags(5000)
	chosen := tags[len(tags)-1]
	push(b, repo, nil, chosen)
	servePagedTags(f, "big", tags, 1000, func(next string) string { return "<" + next + `>; rel="next"` })
	r, _ := newResolver(b)
	scan := func(ctx context.Context) {
		got, err := r.ListTags(ctx, repo, Access{})
		if err != nil || len(got) != len(tags) {
			b.Fatalf("ListTags = %d tags, %v", len(got), err)
		}
		if _, err := r.Digest(ctx, repo.Tag(chosen), nil, Access{}); err != nil {
			b.Fatal(err)
		}
	}
	var cold RequestCounter
	scan(ContextWithCounter(b.Context(), &cold))
	f.reset()
	b.ReportAllocs()
	b.ResetTimer()

	for b.Loop() {
		scan(b.Context())
	}
	b.ReportMetric(float64(f.total())/float64(b.N), "requests/op")
	b.ReportMetric(float64(f.count(http.MethodGet, "/tags/list"))/float64(b.N), "pages/op")
	b.ReportMetric(float64(cold.Requests()), "cold-requests")
}

// BenchmarkCachedDigestHit is the webhook's path for an image that no
// policy governs, once the tag is cached.
func BenchmarkCachedDigestHit(b *testing.B) {
	f := newFront(b)
	repo := f.repo(b, "app")
	push(b, repo, nil, "1.0")
	r, _ := newResolver(b)
	ref := repo.Tag("1.0")
	if _, err := r.CachedDigest(b.Context(), ref, nil, Access{}); err != nil {
		b.Fatal(err)
	}
	f.reset()
	b.ReportAllocs()
	b.ResetTimer()

	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.CachedDigest(context.Background(), ref, nil, Access{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(f.total())/float64(b.N), "requests/op")
}

// BenchmarkDigestWarm is the scanner's uncached digest: one HEAD.
func BenchmarkDigestWarm(b *testing.B) {
	f := newFront(b)
	repo := f.repo(b, "app")
	push(b, repo, nil, "1.0")
	r, _ := newResolver(b)
	ref := repo.Tag("1.0")
	if _, err := r.Digest(b.Context(), ref, nil, Access{}); err != nil {
		b.Fatal(err)
	}
	f.reset()
	b.ReportAllocs()
	b.ResetTimer()

	for b.Loop() {
		if _, err := r.Digest(b.Context(), ref, nil, Access{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.total())/float64(b.N), "requests/op")
}
