package webhook_test

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/imagepin/imagepin/webhook"
)

// TestPolicyLookup checks that repositories are compared after
// normalisation, within the Pod's namespace only, that a policy without
// status.current governs nothing and that the first policy by name wins.
func TestPolicyLookup(t *testing.T) {
	lookup := webhook.NewPolicyLookup(fakeCache(t,
		imagePolicy("apps", "b-web", "docker.io/library/nginx", "nginx:1.24@"+olderDigest),
		imagePolicy("apps", "a-web", "nginx", "nginx:1.25@"+nginxDigest),
		imagePolicy("apps", "podinfo", "ghcr.io/stefanprodan/podinfo", "ghcr.io/stefanprodan/podinfo:6.5.3@"+nginxDigest),
		imagePolicy("apps", "pending", "ghcr.io/acme/pending", ""),
		imagePolicy("apps", "local", "localhost:5000/team/app", "localhost:5000/team/app:1@"+nginxDigest),
		imagePolicy("other", "redis", "redis", "redis:7@"+nginxDigest),
	))
	tests := map[string]struct {
		namespace, image string
		want             webhook.Pin
		found            bool
	}{
		"short name":            {namespace: "apps", image: "nginx", want: webhook.Pin{Policy: "a-web", Image: "nginx:1.25@" + nginxDigest}, found: true},
		"docker.io":             {namespace: "apps", image: "docker.io/library/nginx", want: webhook.Pin{Policy: "a-web", Image: "nginx:1.25@" + nginxDigest}, found: true},
		"index.docker.io":       {namespace: "apps", image: "index.docker.io/library/nginx", want: webhook.Pin{Policy: "a-web", Image: "nginx:1.25@" + nginxDigest}, found: true},
		"library prefix":        {namespace: "apps", image: "library/nginx", want: webhook.Pin{Policy: "a-web", Image: "nginx:1.25@" + nginxDigest}, found: true},
		"other registry":        {namespace: "apps", image: "ghcr.io/stefanprodan/podinfo", want: webhook.Pin{Policy: "podinfo", Image: "ghcr.io/stefanprodan/podinfo:6.5.3@" + nginxDigest}, found: true},
		"registry with port":    {namespace: "apps", image: "localhost:5000/team/app", want: webhook.Pin{Policy: "local", Image: "localhost:5000/team/app:1@" + nginxDigest}, found: true},
		"same path, other host": {namespace: "apps", image: "quay.io/library/nginx"},
		"other repository":      {namespace: "apps", image: "ghcr.io/stefanprodan/podinfo-ui"},
		"no status.current":     {namespace: "apps", image: "ghcr.io/acme/pending"},
		"other namespace":       {namespace: "apps", image: "redis"},
		"unknown namespace":     {namespace: "nowhere", image: "nginx"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, found, err := lookup.Lookup(t.Context(), tc.namespace, repository(t, tc.image))
			if err != nil {
				t.Fatal(err)
			}
			if found != tc.found || got != tc.want {
				t.Errorf("Lookup = %+v, %v; want %+v, %v", got, found, tc.want, tc.found)
			}
		})
	}
}

func repository(t *testing.T, s string) name.Repository {
	t.Helper()
	repo, err := name.NewRepository(s)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}
