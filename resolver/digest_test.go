package resolver

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

var (
	linuxAMD64 = v1.Platform{OS: "linux", Architecture: "amd64"}
	linuxARM64 = v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	linuxS390X = v1.Platform{OS: "linux", Architecture: "s390x"}
)

func TestDigest(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "library/app")
	single := push(t, repo, &linuxAMD64, "single")
	index, children := pushIndex(t, repo, "multi", linuxAMD64, linuxARM64)
	r, _ := newResolver(t)

	unknown := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}

	tests := map[string]struct {
		ref      name.Reference
		platform *v1.Platform
		want     v1.Hash
		wantErr  error
	}{
		"single image":                     {ref: repo.Tag("single"), want: single},
		"index digest by default":          {ref: repo.Tag("multi"), want: index},
		"platform of an index":             {ref: repo.Tag("multi"), platform: &linuxARM64, want: children[linuxARM64.String()]},
		"platform without variant":         {ref: repo.Tag("multi"), platform: &v1.Platform{OS: "linux", Architecture: "arm64"}, want: children[linuxARM64.String()]},
		"platform missing from an index":   {ref: repo.Tag("multi"), platform: &linuxS390X, wantErr: ErrPlatformNotFound},
		"platform of a single image":       {ref: repo.Tag("single"), platform: &linuxAMD64, want: single},
		"other platform of a single image": {ref: repo.Tag("single"), platform: &linuxARM64, wantErr: ErrPlatformNotFound},
		"unknown tag":                      {ref: repo.Tag("nope"), wantErr: ErrNotFound},
		"pinned digest":                    {ref: repo.Digest(index.String()), want: index},
		"platform of a pinned digest":      {ref: repo.Digest(index.String()), platform: &linuxAMD64, want: children[linuxAMD64.String()]},
		"unknown digest":                   {ref: repo.Digest(unknown.String()), wantErr: ErrNotFound},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := r.Digest(t.Context(), tc.ref, tc.platform, Access{})
			if !errors.Is(err, tc.wantErr) || (err != nil && tc.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			var re *Error
			if err != nil && (!errors.As(err, &re) || re.Kind != tc.wantErr || strings.Count(err.Error(), tc.wantErr.Error()) != 1) {
				t.Errorf("err = %q, want an *Error of kind %v that says so once", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("digest = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDigestIsOneHead(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	want := push(t, repo, nil, "1.0")
	r, _ := newResolver(t)
	if _, err := r.ListTags(t.Context(), repo, Access{}); err != nil { // warms the transport
		t.Fatal(err)
	}
	f.reset()

	got, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{})
	if err != nil || got != want {
		t.Fatalf("Digest = %s, %v; want %s", got, err, want)
	}
	if f.total() != 1 || f.count(http.MethodHead, "/manifests/1.0") != 1 {
		t.Errorf("requests = %+v, want one HEAD", f.hits)
	}
}

func TestDigestFallsBackToGet(t *testing.T) {
	tests := map[string]http.HandlerFunc{
		"405": func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead {
				w.WriteHeader(http.StatusMethodNotAllowed)
			}
		},
		"403 on HEAD only": func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead {
				w.WriteHeader(http.StatusForbidden)
			}
		},
		"no Docker-Content-Digest": func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead {
				w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
				w.Header().Set("Content-Length", "100")
				w.WriteHeader(http.StatusOK)
			}
		},
	}
	for name, fault := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFront(t)
			repo := f.repo(t, "app")
			index, children := pushIndex(t, repo, "1.0", linuxAMD64, linuxARM64)
			f.reset()
			f.setFault(fault)
			r, _ := newResolver(t)

			got, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{})
			if err != nil || got != index {
				t.Fatalf("Digest = %s, %v; want %s", got, err, index)
			}
			got, err = r.Digest(t.Context(), repo.Tag("1.0"), &linuxARM64, Access{})
			if err != nil || got != children[linuxARM64.String()] {
				t.Fatalf("Digest(arm64) = %s, %v; want %s", got, err, children[linuxARM64.String()])
			}
			heads, gets := f.count(http.MethodHead, "/manifests/"), f.count(http.MethodGet, "/manifests/")
			if heads != 2 || gets != 2 {
				t.Errorf("HEAD, GET = %d, %d; want 2, 2 (no retries, one GET each)", heads, gets)
			}
		})
	}
}

func TestDigestCachesPlatformOfManifest(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	_, children := pushIndex(t, repo, "1.0", linuxAMD64, linuxARM64)
	f.reset()
	r, _ := newResolver(t)

	for range 3 {
		got, err := r.Digest(t.Context(), repo.Tag("1.0"), &linuxAMD64, Access{})
		if err != nil || got != children[linuxAMD64.String()] {
			t.Fatalf("Digest = %s, %v; want %s", got, err, children[linuxAMD64.String()])
		}
	}
	if heads, gets := f.count(http.MethodHead, "/manifests/"), f.count(http.MethodGet, "/manifests/"); heads != 3 || gets != 1 {
		t.Errorf("HEAD, GET = %d, %d; want 3, 1 (the index is read once)", heads, gets)
	}

	moved, _ := pushIndex(t, repo, "1.0", linuxAMD64)
	got, err := r.Digest(t.Context(), repo.Tag("1.0"), nil, Access{})
	if err != nil || got != moved {
		t.Fatalf("after the tag moved: Digest = %s, %v; want %s", got, err, moved)
	}
}
