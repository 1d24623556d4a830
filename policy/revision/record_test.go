package revision_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imagepin/imagepin/policy/revision"
)

func TestRecordRoundTrip(t *testing.T) {
	in := map[string]string{"index.docker.io/library/nginx": "nginx:1.27@sha256:aa", "ghcr.io/x/y": "ghcr.io/x/y:1@sha256:bb"}
	s := revision.FormatRecord(in)
	if diff := cmp.Diff(in, revision.ParseRecord(s)); diff != "" {
		t.Fatalf("round trip (-in +out):\n%s", diff)
	}
	if s2 := revision.FormatRecord(revision.ParseRecord(s)); s2 != s {
		t.Errorf("format is not stable: %s vs %s", s, s2)
	}
}

func TestParseRecordRejects(t *testing.T) {
	for name, value := range map[string]string{
		"empty":         "",
		"not JSON":      "nginx=sha256:aa",
		"not an object": `["a"]`,
		"not strings":   `{"a": 1}`,
		"too large":     `{"a":"` + strings.Repeat("x", 20<<10) + `"}`,
	} {
		if got := revision.ParseRecord(value); got != nil {
			t.Errorf("%s: ParseRecord = %v; want nil", name, got)
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	f.Add(`{"a":"b"}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, s string) {
		m := revision.ParseRecord(s)
		if m != nil {
			if got := revision.ParseRecord(revision.FormatRecord(m)); !cmp.Equal(got, m) && len(m) > 0 {
				t.Fatalf("round trip of %q: %v != %v", s, got, m)
			}
		}
	})
}

func TestRolloutValue(t *testing.T) {
	d1 := "sha256:4f1c2a9b8e7d0000000000000000000000000000000000000000000000000000"
	d2 := "sha256:9a8b7c6d5e4f0000000000000000000000000000000000000000000000000000"
	a := revision.RolloutValue(map[string]string{"ghcr.io/org/podinfo": d1, "index.docker.io/library/redis": d2})
	if want := "podinfo@4f1c2a9b8e7d,redis@9a8b7c6d5e4f"; a != want {
		t.Errorf("RolloutValue = %q; want %q", a, want)
	}
	moved := revision.RolloutValue(map[string]string{"ghcr.io/org/podinfo": d2, "index.docker.io/library/redis": d2})
	back := revision.RolloutValue(map[string]string{"index.docker.io/library/redis": d2, "ghcr.io/org/podinfo": d1})
	if moved == a || back != a {
		t.Errorf("value must follow the digests and only them: %q, %q, %q", a, moved, back)
	}
}
