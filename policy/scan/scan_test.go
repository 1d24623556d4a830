package scan

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/testenv/registry"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/selection"
	"github.com/imagepin/imagepin/resolver"
)

func newResolver(t *testing.T) *resolver.Resolver {
	t.Helper()
	res, err := resolver.New(resolver.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSpec(t *testing.T) {
	reg := registry.NewInProcess(t)
	digests := reg.Push(t, "team/app", "1.0.0", "1.1.0", "1.2.0-rc.1", "2.0.0", "latest", "main-abc-100", "main-def-99")
	res := newResolver(t)
	tests := map[string]struct {
		sel      v1alpha1.TagSelection
		filter   *v1alpha1.TagFilter
		wantTag  string
		listings int32
	}{
		"semver range": {sel: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "<2.0.0"}}, wantTag: "1.1.0", listings: 1},
		"pre-release":  {sel: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=1.2.0-0 <2.0.0"}}, wantTag: "1.2.0-rc.1", listings: 1},
		"numerical extract": {
			sel:    v1alpha1.TagSelection{Numerical: &v1alpha1.OrderSelection{Order: v1alpha1.OrderAsc}},
			filter: &v1alpha1.TagFilter{Pattern: `^main-[a-f0-9]+-(?P<ts>[0-9]+)$`, Extract: "$ts"}, wantTag: "main-abc-100", listings: 1,
		},
		"mutable tag without listing": {sel: v1alpha1.TagSelection{Tag: &v1alpha1.TagNameSelection{Name: "latest"}}, wantTag: "latest"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := reg.Listings.Load()
			spec := &v1alpha1.ImagePolicySpec{Image: reg.Host + "/team/app", Select: tc.sel, FilterTags: tc.filter}
			got, err := Spec(t.Context(), res, spec, resolver.Access{})
			if err != nil {
				t.Fatalf("Spec: %v", err)
			}
			if got.Tag != tc.wantTag || got.Digest.String() != digests[tc.wantTag] {
				t.Errorf("Spec = %s %s, want %s %s", got.Tag, got.Digest, tc.wantTag, digests[tc.wantTag])
			}
			if n := reg.Listings.Load() - before; n != tc.listings {
				t.Errorf("tag listings = %d, want %d", n, tc.listings)
			}
		})
	}
}

func TestSpecErrors(t *testing.T) {
	reg := registry.NewInProcess(t)
	reg.Push(t, "team/app", "1.0.0")
	res := newResolver(t)
	semver := func(r string) v1alpha1.TagSelection {
		return v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: r}}
	}
	tests := map[string]struct {
		spec v1alpha1.ImagePolicySpec
		is   error
		as   any
	}{
		"no matching tag":   {spec: v1alpha1.ImagePolicySpec{Image: reg.Host + "/team/app", Select: semver(">=2.0.0")}, as: new(*selection.NoMatchError)},
		"unknown repo":      {spec: v1alpha1.ImagePolicySpec{Image: reg.Host + "/team/nothing", Select: semver(">=1.0.0")}, is: resolver.ErrNotFound},
		"unknown fixed tag": {spec: v1alpha1.ImagePolicySpec{Image: reg.Host + "/team/app", Select: v1alpha1.TagSelection{Tag: &v1alpha1.TagNameSelection{Name: "gone"}}}, is: resolver.ErrNotFound},
		"wrong platform": {spec: v1alpha1.ImagePolicySpec{Image: reg.Host + "/team/app", Select: semver(">=1.0.0"), Platform: "windows/arm64"},
			is: resolver.ErrPlatformNotFound},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Spec(t.Context(), res, &tc.spec, resolver.Access{})
			switch {
			case err == nil:
				t.Fatal("Spec succeeded, want an error")
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("error %v is not %v", err, tc.is)
			case tc.as != nil && !errors.As(err, tc.as):
				t.Errorf("error %v is not a %T", err, tc.as)
			}
		})
	}
}
