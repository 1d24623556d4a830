package resolver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// tagPage is one page of GET /v2/<name>/tags/list.
type tagPage struct {
	Tags []string `json:"tags"`
}

// ListTags returns every tag of repo, in the registry's order, following the
// Link headers of paged responses (?n= from WithPageSize). A listing over
// MaxListedTags tags, MaxTagListBytes bytes or MaxTagPages pages fails with
// ErrTagListTooLarge.
//
// go-containerregistry's remote.List is not used: it rejects next-page links
// of TLS registries on loopback or RFC 1918 addresses (it expects the http
// scheme there), and leaves the body open when a page is not JSON.
func (r *Resolver) ListTags(ctx context.Context, repo name.Repository, a Access) ([]string, error) {
	ctx = withPolicy(ctx)
	s, err := r.session(ctx, repo, a)
	if err != nil {
		return nil, newError(ctx, "list tags of", repo.Name(), repo.RegistryStr(), err)
	}
	tags, err := s.listTags(ctx, r.opts.pageSize)
	if err != nil {
		return nil, newError(ctx, "list tags of", repo.Name(), repo.RegistryStr(), err)
	}
	return tags, nil
}

// listTags fetches all pages within the listing's caps.
func (s *session) listTags(ctx context.Context, pageSize int) ([]string, error) {
	next := firstTagPage(s.repo, pageSize)
	client := &http.Client{Transport: s.tr}
	budget := &listBudget{bytes: MaxTagListBytes}
	tags := []string{}
	for pages := 0; next != nil; pages++ {
		if pages == MaxTagPages {
			return nil, tooLarge("more than %d pages", MaxTagPages)
		}
		page, link, err := fetchTagPage(ctx, client, next, budget)
		if err != nil {
			return nil, err
		}
		if len(tags)+len(page.Tags) > MaxListedTags {
			return nil, tooLarge("more than %d tags", MaxListedTags)
		}
		tags = append(tags, page.Tags...)
		next = link
	}
	return tags, nil
}

// firstTagPage is the URL of the first page. The scheme is a guess that the
// authenticated transport corrects to what the /v2/ ping found.
func firstTagPage(repo name.Repository, pageSize int) *url.URL {
	u := &url.URL{
		Scheme: repo.Scheme(),
		Host:   repo.RegistryStr(),
		Path:   fmt.Sprintf("/v2/%s/tags/list", repo.RepositoryStr()),
	}
	if pageSize > 0 {
		u.RawQuery = "n=" + strconv.Itoa(pageSize)
	}
	return u
}

// fetchTagPage GETs one page, reading no more of its body than budget
// allows, and returns it with the next page's URL (nil on the last page).
func fetchTagPage(ctx context.Context, client *http.Client, u *url.URL, budget *listBudget) (*tagPage, *url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, nil, err
	}
	var page tagPage
	if err := json.NewDecoder(budget.reader(resp.Body)).Decode(&page); err != nil {
		if errors.Is(err, ErrTagListTooLarge) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("decode tag list from %s: %w", u.Redacted(), err)
	}
	next, err := nextPage(resp)
	return &page, next, err
}

// nextPage parses a `Link: <url>; rel="next"` header. Relative links resolve
// against the URL actually requested; links to another host are refused.
func nextPage(resp *http.Response) (*url.URL, error) {
	for _, value := range resp.Header.Values("Link") {
		for _, link := range strings.Split(value, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			if !ok || !isRelNext(params) {
				continue
			}
			return resolveLink(resp.Request.URL, strings.TrimSpace(target))
		}
	}
	return nil, nil
}

// isRelNext reports whether link parameters contain rel="next".
func isRelNext(params string) bool {
	for _, p := range strings.Split(params, ";") {
		key, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(key, "rel") && strings.Trim(value, `"`) == "next" {
			return true
		}
	}
	return false
}

// resolveLink resolves <target> against base and keeps it on base's host.
func resolveLink(base *url.URL, target string) (*url.URL, error) {
	if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
		return nil, fmt.Errorf("%w: Link target %q", errMalformed, target)
	}
	ref, err := url.Parse(target[1 : len(target)-1])
	if err != nil {
		return nil, fmt.Errorf("%w: Link target %q: %v", errMalformed, target, err)
	}
	next := base.ResolveReference(ref)
	if next.Host != base.Host || next.Scheme != base.Scheme {
		return nil, fmt.Errorf("%w: Link to %s leaves registry %s", errMalformed, next.Redacted(), base.Host)
	}
	if next.String() == base.String() {
		return nil, fmt.Errorf("%w: Link points to the page itself", errMalformed)
	}
	return next, nil
}
