package registry_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imagepin/imagepin/internal/testenv/registry"
)

// nextLink matches the RFC 5988 Link header Distribution sends on a partial
// tag list.
var nextLink = regexp.MustCompile(`^<([^>]+)>;\s*rel="next"$`)

// TestTagListPaging proves that the registry pages tag lists the way the
// resolver must follow: ?n= limits a page and a Link header names the next.
func TestTagListPaging(t *testing.T) {
	t.Parallel()
	r := registry.StartT(t, registry.Options{Username: "bob", Password: "pw", TLS: true})
	want := tagNames(25)
	if _, err := r.Push(t.Context(), "paged", want...); err != nil {
		t.Fatal(err)
	}

	client := &http.Client{Transport: r.Transport()}
	next, err := url.Parse("https://" + r.Host + "/v2/paged/tags/list?n=10")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var pageSizes []int
	for next != nil {
		tags, link := getTagPage(t, client, next, r.Username, r.Password)
		got = append(got, tags...)
		pageSizes = append(pageSizes, len(tags))
		next = link
	}
	if diff := cmp.Diff([]int{10, 10, 5}, pageSizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tags over all pages (-want +got):\n%s", diff)
	}
}

// getTagPage fetches one page of a tag list and returns its tags and the
// next page's URL, nil on the last page.
func getTagPage(t *testing.T, client *http.Client, u *url.URL, user, password string) ([]string, *url.URL) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	var body struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode %s: %v", u, err)
	}
	link := resp.Header.Get("Link")
	if link == "" {
		return body.Tags, nil
	}
	m := nextLink.FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("GET %s: Link header %q has no rel=\"next\"", u, link)
	}
	next, err := u.Parse(m[1])
	if err != nil {
		t.Fatalf("GET %s: Link header %q: %v", u, link, err)
	}
	return body.Tags, next
}
