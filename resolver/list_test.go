package resolver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestListTags(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "team/app")
	push(t, repo, nil, "1.0.0", "1.1.0", "latest")
	r, _ := newResolver(t)

	got, err := r.ListTags(t.Context(), repo, Access{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"1.0.0", "1.1.0", "latest"}, got); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

func TestListTagsUnknownRepository(t *testing.T) {
	f := newFront(t)
	r, _ := newResolver(t)

	_, err := r.ListTags(t.Context(), f.repo(t, "nothing/here"), Access{})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

// servePagedTags makes f answer tag lists of repository path itself, from
// tags, in pages of ?n= (at most maxN) linked with Link headers, as
// Distribution does.
func servePagedTags(f *front, path string, tags []string, maxN int, link func(next string) string) {
	f.setFault(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/"+path+"/tags/list" {
			return
		}
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n <= 0 || n > maxN {
			n = maxN
		}
		start, _ := slices.BinarySearch(tags, r.URL.Query().Get("last"))
		if last := r.URL.Query().Get("last"); last != "" && start < len(tags) && tags[start] == last {
			start++
		}
		end := min(start+n, len(tags))
		if end < len(tags) {
			next := fmt.Sprintf("/v2/%s/tags/list?last=%s&n=%d", path, tags[end-1], n)
			w.Header().Set("Link", link(next))
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"name": path, "tags": tags[start:end]})
	})
}

// manyTags returns n sorted tags.
func manyTags(n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("v%06d", i)
	}
	return tags
}

func TestListTagsFollowsLinks(t *testing.T) {
	tests := map[string]struct {
		tags      int
		pageSize  int
		maxN      int
		link      func(f *front, next string) string
		wantPages int
	}{
		"50k tags, relative links": {
			tags: 50000, pageSize: 1000, maxN: 1000, wantPages: 50,
			link: func(_ *front, next string) string { return "<" + next + `>; rel="next"` },
		},
		"absolute links, registry caps n": {
			tags: 250, pageSize: 1000, maxN: 100, wantPages: 3,
			link: func(f *front, next string) string { return "<" + f.URL + next + ">; rel=next" },
		},
		"no n sent, other link relations first": {
			tags: 30, pageSize: 0, maxN: 10, wantPages: 3,
			link: func(_ *front, next string) string { return `</docs>; rel="help", <` + next + `>; rel="next"` },
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFront(t)
			want := manyTags(tc.tags)
			servePagedTags(f, "big", want, tc.maxN, func(next string) string { return tc.link(f, next) })
			r, _ := newResolver(t, WithPageSize(tc.pageSize))

			got, err := r.ListTags(t.Context(), f.repo(t, "big"), Access{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
			if pages := f.count(http.MethodGet, "/tags/list"); pages != tc.wantPages {
				t.Errorf("pages = %d, want %d", pages, tc.wantPages)
			}
		})
	}
}

func TestListTagsRefusesBadLinks(t *testing.T) {
	tests := map[string]string{
		"another host":  `<http://169.254.169.254/v2/big/tags/list?last=x>; rel="next"`,
		"itself":        `</v2/big/tags/list?n=10>; rel="next"`,
		"no angle bras": `/v2/big/tags/list?last=x; rel="next"`,
	}
	for name, link := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFront(t)
			servePagedTags(f, "big", manyTags(30), 10, func(string) string { return link })
			r, _ := newResolver(t, WithPageSize(10))

			_, err := r.ListTags(t.Context(), f.repo(t, "big"), Access{})
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if pages := f.count(http.MethodGet, "/tags/list"); pages != 1 {
				t.Errorf("pages = %d, want 1", pages)
			}
		})
	}
}
