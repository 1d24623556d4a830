package marker_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imagepin/imagepin/policy/writeback/marker"
)

var (
	digestA = "sha256:" + strings.Repeat("a", 64)
	digestB = "sha256:" + strings.Repeat("b", 64)
)

// images are the policies the tests know.
var images = map[marker.Policy]marker.Image{
	{Namespace: "apps", Name: "app"}:            marker.ParseImage("ghcr.io/acme/app:1.4.2@" + digestA),
	{Namespace: "apps", Name: "worker"}:         marker.ParseImage("ghcr.io/acme/worker:2.1.0@" + digestB),
	{Namespace: "apps", Name: "sidecar"}:        marker.ParseImage("ghcr.io/acme/sidecar:1.0.0@" + digestB),
	{Namespace: "apps", Name: "frozen"}:         marker.ParseImage("ghcr.io/acme/frozen@" + digestA),
	{Namespace: "apps", Name: "numeric"}:        marker.ParseImage("ghcr.io/acme/numeric:1.10@" + digestA),
	{Namespace: "flux-system", Name: "podinfo"}: marker.ParseImage("ghcr.io/stefanprodan/podinfo:6.5.4@" + digestB),
}

func lookup(p marker.Policy) (marker.Image, bool) {
	img, ok := images[p]
	return img, ok
}

func TestParse(t *testing.T) {
	tests := map[string]struct {
		comment string
		want    marker.Marker
		ok      bool
	}{
		"image":         {` {"$imagepin": "apps:app"}`, marker.Marker{Policy: marker.Policy{Namespace: "apps", Name: "app"}}, true},
		"tag":           {`{"$imagepin":"apps:app:tag"}  `, marker.Marker{Policy: marker.Policy{Namespace: "apps", Name: "app"}, Field: marker.FieldTag}, true},
		"digest":        {`{"$imagepin": "apps:app:digest"}`, marker.Marker{Policy: marker.Policy{Namespace: "apps", Name: "app"}, Field: marker.FieldDigest}, true},
		"name":          {`{"$imagepin": "apps:app:name"}`, marker.Marker{Policy: marker.Policy{Namespace: "apps", Name: "app"}, Field: marker.FieldName}, true},
		"flux":          {`{"$imagepolicy": "flux-system:podinfo:tag"}`, marker.Marker{Policy: marker.Policy{Namespace: "flux-system", Name: "podinfo"}, Field: marker.FieldTag, Flux: true}, true},
		"both keys":     {`{"$imagepolicy": "a:b", "$imagepin": "c:d"}`, marker.Marker{Policy: marker.Policy{Namespace: "c", Name: "d"}}, true},
		"no namespace":  {`{"$imagepin": "app"}`, marker.Marker{}, false},
		"empty name":    {`{"$imagepin": "apps:"}`, marker.Marker{}, false},
		"unknown field": {`{"$imagepin": "apps:app:version"}`, marker.Marker{}, false},
		"too many":      {`{"$imagepin": "apps:app:tag:x"}`, marker.Marker{}, false},
		"not a string":  {`{"$imagepin": 3}`, marker.Marker{}, false},
		"not json":      {`{"$imagepin": apps:app}`, marker.Marker{}, false},
		"other key":     {`{"$imagepinx": "apps:app"}`, marker.Marker{}, false},
		"trailing text": {`{"$imagepin": "apps:app"} later`, marker.Marker{}, false},
		"plain comment": {` just a comment`, marker.Marker{}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := marker.Parse(tc.comment)
			if ok != tc.ok || got != tc.want {
				t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tc.comment, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestMarkerString(t *testing.T) {
	for _, s := range []string{`{"$imagepin": "apps:app"}`, `{"$imagepolicy": "flux-system:podinfo:tag"}`} {
		m, ok := marker.Parse(s)
		if !ok || m.String() != s {
			t.Errorf("Parse(%q).String() = %q, %v", s, m.String(), ok)
		}
	}
}

func TestParseImage(t *testing.T) {
	tests := map[string]struct {
		ref  string
		want marker.Image
	}{
		"tag and digest": {"ghcr.io/acme/app:1.0@" + digestA, marker.Image{Name: "ghcr.io/acme/app", Tag: "1.0", Digest: digestA}},
		"digest only":    {"ghcr.io/acme/app@" + digestA, marker.Image{Name: "ghcr.io/acme/app", Digest: digestA}},
		"registry port":  {"localhost:5000/app:1.0@" + digestA, marker.Image{Name: "localhost:5000/app", Tag: "1.0", Digest: digestA}},
		"port, no tag":   {"localhost:5000/app@" + digestA, marker.Image{Name: "localhost:5000/app", Digest: digestA}},
		"tag only":       {"nginx:1.27", marker.Image{Name: "nginx", Tag: "1.27"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.want.Ref = tc.ref
			if diff := cmp.Diff(tc.want, marker.ParseImage(tc.ref)); diff != "" {
				t.Errorf("ParseImage(%q) (-want +got):\n%s", tc.ref, diff)
			}
		})
	}
}
