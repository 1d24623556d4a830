package helmvalues_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/policy/writeback/helmvalues"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

var (
	img  = helmvalues.Image{Repository: "ghcr.io/acme/app", Tag: "on", Digest: digest}
	keys = helmvalues.Keys{Repository: "image.repository", Tag: "image.tag", Digest: "image.digest"}
)

func TestSet(t *testing.T) {
	tests := map[string]struct {
		keys      helmvalues.Keys
		src, want string
	}{
		"all three, styles kept": {keys,
			"# values\nreplicaCount: 2\n\nimage:\n  repository: 'ghcr.io/acme/old'   # repo\n  tag: \"1.0\"\n  digest: ~\n  pullPolicy: IfNotPresent\n",
			"# values\nreplicaCount: 2\n\nimage:\n  repository: 'ghcr.io/acme/app'   # repo\n  tag: \"on\"\n  digest: " + digest + "\n  pullPolicy: IfNotPresent\n"},
		"plain tag that YAML 1.1 reads as a boolean is quoted": {helmvalues.Keys{Tag: "app.image.tag"},
			"app:\n  image:\n    tag: latest\n", "app:\n  image:\n    tag: \"on\"\n"},
		"empty value": {helmvalues.Keys{Digest: "image.digest"},
			"image:\n  digest: # set by imagepin\n  tag: x\n", "image:\n  digest: " + digest + " # set by imagepin\n  tag: x\n"},
		"flow mapping": {helmvalues.Keys{Tag: "image.tag"},
			"image: {repository: r, tag: \"1\"}\n", "image: {repository: r, tag: \"on\"}\n"},
		"unchanged": {helmvalues.Keys{Tag: "image.tag"}, "image:\n  tag: \"on\"\n", "image:\n  tag: \"on\"\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, _, err := helmvalues.Set([]byte(tc.src), tc.keys, img)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", out, tc.want)
			}
		})
	}
}

func TestSetFailures(t *testing.T) {
	tests := map[string]struct {
		keys     helmvalues.Keys
		src, msg string
		notFound bool
	}{
		"missing key":        {keys, "image:\n  repository: r\n  tag: t\n", "key image.digest: not found", true},
		"missing parent":     {helmvalues.Keys{Tag: "app.image.tag"}, "image:\n  tag: t\n", "key app.image.tag: not found", true},
		"empty file":         {helmvalues.Keys{Tag: "image.tag"}, "", "not found", true},
		"not a scalar":       {helmvalues.Keys{Tag: "image"}, "image:\n  tag: t\n", "key image (line 2) is not a scalar", false},
		"parent is a scalar": {helmvalues.Keys{Tag: "image.tag"}, "image: nginx:1\n", "image is not a mapping", false},
		"not YAML":           {helmvalues.Keys{Tag: "image.tag"}, "image: {tag: t\n", "not valid YAML", false},
		"duplicate keys":     {helmvalues.Keys{Tag: "image.tag"}, "image:\n  tag: a\n  tag: b\n", "not valid YAML", false},
		"multi-line value":   {helmvalues.Keys{Tag: "image.tag"}, "image:\n  tag: a\n    b\n", "spans lines", false},
		"digest pin and tag": {helmvalues.Keys{Tag: "image.tag"}, "image:\n  tag: a\n", "has no tag", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			im := img
			if name == "digest pin and tag" {
				im.Tag = ""
			}
			_, _, err := helmvalues.Set([]byte(tc.src), tc.keys, im)
			if err == nil || !strings.Contains(err.Error(), tc.msg) || errors.Is(err, helmvalues.ErrNotFound) != tc.notFound {
				t.Fatalf("error %v; want %q (not found: %v)", err, tc.msg, tc.notFound)
			}
		})
	}
}
