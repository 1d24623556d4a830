package resolver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// endlessPages makes f answer every tag-list request with a page of perPage
// tags never seen before (none when perPage is 0) and a link to one more.
func endlessPages(f *front, perPage int) *atomic.Int64 {
	var pages atomic.Int64
	f.setFault(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			return
		}
		n := pages.Add(1)
		tags := make([]string, perPage)
		for i := range tags {
			tags[i] = fmt.Sprintf(`"p%d-%d"`, n, i)
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s?n=%d&last=p%d>; rel="next"`, r.URL.Path, perPage, n))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"name":"app","tags":[%s]}`, strings.Join(tags, ","))
	})
	return &pages
}

// TestListTagsCapsEndlessListings serves listings that never end or never
// fit: each is cut off at a cap, after a bounded number of requests, with
// ErrTagListTooLarge (classified ErrUnavailable).
func TestListTagsCapsEndlessListings(t *testing.T) {
	tests := map[string]struct {
		serve    func(f *front) *atomic.Int64
		maxPages int64
	}{
		"endless pages of 1000 new tags": {
			serve:    func(f *front) *atomic.Int64 { return endlessPages(f, 1000) },
			maxPages: MaxListedTags/1000 + 1,
		},
		"endless empty pages": {
			serve:    func(f *front) *atomic.Int64 { return endlessPages(f, 0) },
			maxPages: MaxTagPages,
		},
		"one page of padding": {
			serve: func(f *front) *atomic.Int64 {
				var pages atomic.Int64
				f.setFault(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasSuffix(r.URL.Path, "/tags/list") {
						pages.Add(1)
						fmt.Fprintf(w, `{"tags":["1.0"%s]}`, strings.Repeat(" ", MaxTagListBytes))
					}
				})
				return &pages
			},
			maxPages: 1,
		},
		"a few giant tags": {
			serve: func(f *front) *atomic.Int64 {
				var pages atomic.Int64
				giant := `"` + strings.Repeat("x", 1<<20) + `"`
				f.setFault(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasSuffix(r.URL.Path, "/tags/list") {
						n := pages.Add(1)
						w.Header().Set("Link", fmt.Sprintf(`<%s?last=%d>; rel="next"`, r.URL.Path, n))
						fmt.Fprintf(w, `{"tags":[%s,%s]}`, giant, giant)
					}
				})
				return &pages
			},
			maxPages: MaxTagListBytes/(2<<20) + 1,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFront(t)
			pages := tc.serve(f)
			r, _ := newResolver(t, WithRateLimit(rate.Inf, 0))

			tags, err := r.ListTags(t.Context(), f.repo(t, "app"), Access{})
			if !errors.Is(err, ErrTagListTooLarge) || !errors.Is(err, ErrUnavailable) {
				t.Fatalf("ListTags = %d tags, %v; want ErrTagListTooLarge", len(tags), err)
			}
			if n := pages.Load(); n > tc.maxPages {
				t.Errorf("fetched %d pages, want at most %d", n, tc.maxPages)
			}
			if !strings.Contains(err.Error(), "app") {
				t.Errorf("error does not name the repository: %v", err)
			}
		})
	}
}

// TestListTagsUpToTheCap lists exactly MaxListedTags tags: a listing at the
// cap is not refused.
func TestListTagsUpToTheCap(t *testing.T) {
	f := newFront(t)
	want := manyTags(MaxListedTags)
	servePagedTags(f, "big", want, 1000, func(next string) string { return "<" + next + `>; rel="next"` })
	r, _ := newResolver(t, WithRateLimit(rate.Inf, 0))

	got, err := r.ListTags(t.Context(), f.repo(t, "big"), Access{})
	if err != nil || len(got) != len(want) {
		t.Fatalf("ListTags = %d tags, %v; want %d", len(got), err, len(want))
	}
}

// TestListTagsTricklingBody sends the headers at once, then the body a byte
// at a time: the listing ends at the caller's deadline.
func TestListTagsTricklingBody(t *testing.T) {
	f := newFront(t)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	f.setFault(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"tags":["1.0"`))
		for {
			http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				_, _ = w.Write([]byte(" "))
			}
		}
	})
	r, _ := newResolver(t)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()

	_, err := r.ListTags(ctx, f.repo(t, "app"), Access{})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want context.DeadlineExceeded and ErrUnavailable", err)
	}
}

func TestTooLargeMessage(t *testing.T) {
	err := newError(t.Context(), "list tags of", "example.com/app", "example.com", tooLarge("more than %d tags", 3))
	want := "list tags of example.com/app: registry unavailable: tag list too large: more than 3 tags"
	if err.Error() != want || !errors.Is(err, ErrTagListTooLarge) {
		t.Errorf("err = %q, want %q wrapping ErrTagListTooLarge", err, want)
	}
}
