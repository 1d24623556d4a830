package webhook

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestTagCacheAnswersAsParseTag: a cached parse is the parse, errors and
// long images are never kept, and hostile Pods that name ever new images
// cannot grow the cache past its bound.
func TestTagCacheAnswersAsParseTag(t *testing.T) {
	c := newTagCache()
	images := []string{"nginx", "nginx:1.27", "registry.example:5000/team/app:v1", "[::1]:5000/a:b",
		"a//b:c", "https://x/y:z", "UPPER/case:tag", "team/app:" + strings.Repeat("t", 120)}
	for range 2 { // the second round reads the cache
		for _, img := range images {
			want, wantErr := parseTag(img)
			got, err := c.parse(img)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) || got != want {
				t.Errorf("parse(%q) = %v, %v; parseTag: %v, %v", img, got, err, want, wantErr)
			}
		}
	}
	if n := c.len(); n != 5 { // the valid ones
		t.Errorf("%d cached tags, want 5", n)
	}
	long := "team/app:" + strings.Repeat("x", tagCacheImageLen)
	if _, err := c.parse(long); err == nil {
		t.Fatalf("%d-byte tag accepted", len(long))
	}
	long = "team/" + strings.Repeat("a", 200) + ":" + strings.Repeat("v", 100)
	if _, err := c.parse(long); err != nil {
		t.Fatal(err)
	}
	if n := c.len(); n != 5 {
		t.Errorf("a %d-byte image was cached (%d tags)", len(long), n)
	}

	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range tagCacheEntries {
				if _, err := c.parse(fmt.Sprintf("team/app-%d:v%d", w, i)); err != nil {
					t.Error(err)
					return
				}
				if n := c.len(); n > tagCacheEntries {
					t.Errorf("%d cached tags, bound %d", n, tagCacheEntries)
					return
				}
			}
		})
	}
	wg.Wait()
}
