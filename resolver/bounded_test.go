package resolver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// TestHostLimitsAreBounded asks for the limits of 1,000 hosts: the map
// keeps at most WithMaxHosts of them, and a host in use keeps its limiter.
func TestHostLimitsAreBounded(t *testing.T) {
	r, _ := newResolver(t, WithMaxHosts(8))
	limits := r.transports.limits
	first := limits.get("registry.example")
	for i := range 1000 {
		limits.get(fmt.Sprintf("h%d.example", i))
		if i%4 == 0 && limits.get("registry.example") != first {
			t.Fatal("a host in use lost its limiter")
		}
	}
	if n := limits.len(); n > 8 {
		t.Errorf("%d hosts kept, want at most 8", n)
	}
}

// notFoundServers starts n registries on 127.0.0.1 that answer 404 to
// everything but the ping, and returns their hosts.
func notFoundServers(t *testing.T, n int) []string {
	t.Helper()
	hosts := make([]string, n)
	for i := range hosts {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v2/" {
				w.WriteHeader(http.StatusNotFound)
			}
		}))
		t.Cleanup(srv.Close)
		hosts[i] = strings.TrimPrefix(srv.URL, "http://")
	}
	return hosts
}

// TestRegistryLabelIsBucketed resolves images of 40 registries that only
// Pods name, and lists tags of registries that policies name, more than the
// label cap: the registry label holds the first policy registries and
// "other", never a host that only a Pod named.
func TestRegistryLabelIsBucketed(t *testing.T) {
	r, reg := newResolver(t, WithMaxRegistryLabels(2), WithRetry(1, 0, 0))
	policies := notFoundServers(t, 4)
	for _, host := range policies {
		repo, _ := name.NewRepository(host + "/team/app")
		_, _ = r.ListTags(t.Context(), repo, Access{})
	}
	for _, host := range notFoundServers(t, 40) {
		tag, _ := name.NewTag(host + "/team/app:1")
		_, _ = r.CachedDigest(t.Context(), tag, nil, Access{})
	}
	labels := map[string]bool{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "imagepin_registry_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "registry" {
					labels[l.GetValue()] = true
				}
			}
		}
	}
	want := map[string]bool{policies[0]: true, policies[1]: true, OtherRegistry: true}
	if len(labels) != len(want) || !labels[policies[0]] || !labels[policies[1]] || !labels[OtherRegistry] {
		t.Errorf("registry labels %v, want %v", labels, want)
	}
}

// inFlightHeads counts the manifest HEADs a front answers at once, by the
// first path component of the repository, while each takes d.
type inFlightHeads struct {
	mu       sync.Mutex
	now, max map[string]int
	total    int
	maxTotal int
}

func (c *inFlightHeads) fault(d time.Duration) http.HandlerFunc {
	c.now, c.max = map[string]int{}, map[string]int{}
	return func(_ http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead || !strings.Contains(r.URL.Path, "/manifests/") {
			return
		}
		who := strings.Split(r.URL.Path, "/")[2] // /v2/<who>/app/manifests/<tag>
		c.mu.Lock()
		c.now[who]++
		c.total++
		c.max[who] = max(c.max[who], c.now[who])
		c.maxTotal = max(c.maxTotal, c.total)
		c.mu.Unlock()
		time.Sleep(d)
		c.mu.Lock()
		c.now[who]--
		c.total--
		c.mu.Unlock()
	}
}

// TestLookupsAreCapped has tenant "a" start 12 lookups of distinct tags at
// once against a slow registry while tenants "b" and "c" start a few: a
// never has more than the per-tenant cap in flight, all together never more
// than the global cap, and b and c are all answered although a keeps asking.
func TestLookupsAreCapped(t *testing.T) {
	f := newFront(t)
	for _, who := range []string{"a", "b", "c"} {
		push(t, f.repo(t, who+"/app"), nil, "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11")
	}
	var heads inFlightHeads
	f.setFault(heads.fault(200 * time.Millisecond))
	r, _ := newResolver(t, WithLookupLimits(5, 3))
	var wg sync.WaitGroup
	var failed atomic.Int64
	lookups := map[string]int{"a": 12, "b": 2, "c": 2}
	for who, n := range lookups {
		ctx := ContextWithTenant(t.Context(), who)
		for i := range n {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				if _, err := r.CachedDigest(ctx, f.repo(t, who+"/app").Tag(fmt.Sprintf("t%d", i)), nil, Access{}); err != nil {
					t.Errorf("tenant %s, t%d: %v", who, i, err)
					failed.Add(1)
				}
			})
		}
	}
	wg.Wait()
	if heads.max["a"] > 3 {
		t.Errorf("tenant a had %d lookups in flight, want at most 3", heads.max["a"])
	}
	if heads.maxTotal > 5 {
		t.Errorf("%d lookups in flight, want at most 5", heads.maxTotal)
	}
}
