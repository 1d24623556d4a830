package governing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
)

const (
	digestA = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	digestB = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

// TestLookup checks that repositories are compared after normalisation,
// within the namespace only, that the first policy by name with a trusted
// current governs, and that a current of another repository is not trusted.
func TestLookup(t *testing.T) {
	objs := []client.Object{
		policy("apps", "b-web", "docker.io/library/nginx", "nginx:1.24@"+digestB),
		policy("apps", "a-web", "nginx", "nginx:1.25@"+digestA),
		policy("apps", "0-pending", "nginx", ""),
		policy("apps", "podinfo", "ghcr.io/stefanprodan/podinfo", "ghcr.io/stefanprodan/podinfo:6.5.3@"+digestA),
		policy("apps", "pending", "ghcr.io/acme/pending", ""),
		policy("apps", "moved", "ghcr.io/acme/new", "ghcr.io/acme/old:1@"+digestA),
		policy("apps", "local", "localhost:5000/team/app", "localhost:5000/team/app:1@"+digestA),
		policy("other", "redis", "redis", "redis:7@"+digestA),
	}
	for impl, lookup := range lookups(t, objs...) {
		t.Run(impl, func(t *testing.T) { testLookup(t, lookup) })
	}
}

// lookuper is what Policies and Memory have in common.
type lookuper interface {
	Lookup(ctx context.Context, namespace string, repo name.Repository) (governing.Policy, bool, error)
}

// lookups returns a Policies over a cache and a Memory fed by an informer,
// both holding objs.
func lookups(t *testing.T, objs ...client.Object) map[string]lookuper {
	t.Helper()
	mem, err := governing.NewMemory(t.Context(), &fakeInformers{objs: objs})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]lookuper{"Policies": governing.NewPolicies(fakeCache(t, objs...)), "Memory": mem}
}

func testLookup(t *testing.T, lookup lookuper) {
	tests := map[string]struct {
		namespace, image string
		policy, current  string // want; "" current: none trusted
		untrusted        bool
		found            bool
	}{
		"short name":            {namespace: "apps", image: "nginx", policy: "a-web", current: "nginx:1.25@" + digestA, found: true},
		"docker.io":             {namespace: "apps", image: "docker.io/library/nginx", policy: "a-web", current: "nginx:1.25@" + digestA, found: true},
		"library prefix":        {namespace: "apps", image: "library/nginx", policy: "a-web", current: "nginx:1.25@" + digestA, found: true},
		"other registry":        {namespace: "apps", image: "ghcr.io/stefanprodan/podinfo", policy: "podinfo", current: "ghcr.io/stefanprodan/podinfo:6.5.3@" + digestA, found: true},
		"registry with port":    {namespace: "apps", image: "localhost:5000/team/app", policy: "local", current: "localhost:5000/team/app:1@" + digestA, found: true},
		"no status.current":     {namespace: "apps", image: "ghcr.io/acme/pending", policy: "pending", found: true},
		"current of other repo": {namespace: "apps", image: "ghcr.io/acme/new", policy: "moved", untrusted: true, found: true},
		"same path, other host": {namespace: "apps", image: "quay.io/library/nginx"},
		"other repository":      {namespace: "apps", image: "ghcr.io/stefanprodan/podinfo-ui"},
		"other namespace":       {namespace: "apps", image: "redis"},
		"unknown namespace":     {namespace: "nowhere", image: "nginx"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, found, err := lookup.Lookup(t.Context(), tc.namespace, repository(t, tc.image))
			if err != nil {
				t.Fatal(err)
			}
			if found != tc.found || got.Name != tc.policy {
				t.Fatalf("Lookup = %q, %v; want %q, %v", got.Name, found, tc.policy, tc.found)
			}
			current := ""
			if c := got.Current(); c != nil {
				current = c.Image
			}
			if current != tc.current || (got.Untrusted != "") != tc.untrusted {
				t.Errorf("current %q (untrusted %q); want %q (untrusted %v)", current, got.Untrusted, tc.current, tc.untrusted)
			}
		})
	}
}

// TestEntriesSkipOtherRepositories: after spec.image moved, history values
// of the old repository are never offered to revisions.
func TestEntriesSkipOtherRepositories(t *testing.T) {
	p := policy("apps", "web", "ghcr.io/acme/new", "ghcr.io/acme/new:2@"+digestB)
	p.Status.History = []v1alpha1.ImageRecord{p.Status.Current.ImageRecord, {Image: "ghcr.io/acme/old:1@" + digestA}, {Image: "not a reference"}}
	for impl, lookup := range lookups(t, p) {
		t.Run(impl, func(t *testing.T) { testEntriesSkip(t, lookup) })
	}
}

func testEntriesSkip(t *testing.T, lookup lookuper) {
	got, _, err := lookup.Lookup(t.Context(), "apps", repository(t, "ghcr.io/acme/new"))
	if err != nil {
		t.Fatal(err)
	}
	if e := got.Entries(); len(e) != 1 || e[0].Image != "ghcr.io/acme/new:2@"+digestB {
		t.Errorf("Entries = %v; want current alone", e)
	}
}

func policy(ns, name, image, current string) *v1alpha1.ImagePolicy {
	p := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.ImagePolicySpec{Image: image, Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=1"}}},
	}
	if current != "" {
		rec := v1alpha1.ImageRecord{Image: current, Digest: current[strings.LastIndex(current, "@")+1:], Source: v1alpha1.SourceScan}
		p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: rec}
		p.Status.History = []v1alpha1.ImageRecord{rec}
	}
	return p
}

type indexCapture struct {
	obj   client.Object
	field string
	fn    client.IndexerFunc
}

func (c *indexCapture) IndexField(_ context.Context, obj client.Object, field string, fn client.IndexerFunc) error {
	c.obj, c.field, c.fn = obj, field, fn
	return nil
}

func fakeCache(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	var idx indexCapture
	if err := governing.IndexPolicies(t.Context(), &idx); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(kubescheme.NewT(t)).WithObjects(objs...).WithIndex(idx.obj, idx.field, idx.fn).Build()
}

func repository(t *testing.T, s string) name.Repository {
	t.Helper()
	repo, err := name.NewRepository(s)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}
