package resolver

import (
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// requestsByCode reads imagepin_registry_requests_total of host from reg.
func requestsByCode(t *testing.T, reg *prometheus.Registry, host string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range families {
		if mf.GetName() != "imagepin_registry_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["registry"] == host {
				out[labels["code"]] += m.GetCounter().GetValue()
			}
		}
	}
	return out
}

func TestRegistryRequestsMetric(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	push(t, repo, nil, "1.0")
	f.reset()
	r, reg := newResolver(t)

	if _, err := r.ListTags(t.Context(), repo, Access{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{}); err != nil {
		t.Fatal(err)
	}
	_, _ = r.Digest(t.Context(), repo.Tag("2.0"), nil, Access{})

	got := requestsByCode(t, reg, f.host)
	if got["200"] != 3 || got["404"] != 1 { // ping, tag list, HEAD; HEAD
		t.Errorf("requests by code = %v, want 200: 3, 404: 1", got)
	}
	// "error" counts the HTTPS probe that go-containerregistry sends first to
	// a plain-HTTP registry on a loopback address.
	if answered := got["200"] + got["404"]; int(answered) != f.total() {
		t.Errorf("metric counts %v answered requests, the registry saw %d", answered, f.total())
	}
}

func TestRequestCounter(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	push(t, repo, nil, "1.0")
	f.reset()
	r, _ := newResolver(t)

	var cold RequestCounter
	if _, err := r.ListTags(ContextWithCounter(t.Context(), &cold), repo, Access{}); err != nil {
		t.Fatal(err)
	}
	if n := cold.Requests(); n < int64(f.total()) || n > int64(f.total())+1 {
		t.Errorf("cold call counted %d requests, the registry saw %d (+1 HTTPS probe)", n, f.total())
	}

	var warm RequestCounter
	ctx := ContextWithCounter(t.Context(), &warm)
	if _, err := r.CachedDigest(ctx, repo.Tag("1.0"), nil, Access{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.CachedDigest(ctx, repo.Tag("1.0"), nil, Access{}); err != nil {
		t.Fatal(err)
	}
	if n := warm.Requests(); n != 1 {
		t.Errorf("warm lookup, then cache hit counted %d requests, want 1", n)
	}
}

func TestResolversShareARegisterer(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	push(t, repo, nil, "1.0")
	f.reset()
	reg := prometheus.NewRegistry()
	for range 2 {
		r, err := New(WithRegisterer(reg))
		if err != nil {
			t.Fatalf("second resolver on one registerer: %v", err)
		}
		if _, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := requestsByCode(t, reg, f.host)["200"]; int(got) != f.count(http.MethodGet, "/v2/")+f.count(http.MethodHead, "/manifests/") {
		t.Errorf("shared metric counts %v requests, the registry saw %d", got, f.total())
	}
}
