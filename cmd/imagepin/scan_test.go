package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imagepin/imagepin/internal/testenv/registry"
)

func runScan(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCommand()
	cmd.SetArgs(append([]string{"scan"}, args...))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err = cmd.ExecuteContext(t.Context())
	return out.String(), errOut.String(), err
}

func TestScanCommand(t *testing.T) {
	reg := registry.NewInProcess(t)
	repo := reg.Repo("team/app")
	d := reg.Push(t, "team/app", "1.0.0", "1.1.0", "2.0.0", "build-7", "build-12")
	policies := filepath.Join(t.TempDir(), "policies.yaml")
	writeFile(t, policies, `apiVersion: imagepin.dev/v1alpha1
kind: ImagePolicy
metadata: {name: one, namespace: apps}
spec:
  image: `+repo+`
  select: {semver: {range: "~1.0"}}
---
apiVersion: imagepin.dev/v1alpha1
kind: ImagePolicy
metadata: {name: builds}
spec:
  image: `+repo+`
  select: {numerical: {}}
  filterTags: {pattern: '^build-(?P<n>[0-9]+)$', extract: '$n'}
---
`)

	tests := map[string]struct {
		args []string
		want string
	}{
		"semver flags": {args: []string{"--image", repo, "--semver", "<2.0.0"}, want: repo + " 1.1.0 " + d["1.1.0"] + "\n"},
		"numerical":    {args: []string{"--image", repo, "--numerical", "--filter-pattern", `^build-(\d+)$`, "--extract", "$1"}, want: repo + " build-12 " + d["build-12"] + "\n"},
		"alphabetical": {args: []string{"--image", repo, "--alphabetical=desc", "--exclude", `^build-`}, want: repo + " 1.0.0 " + d["1.0.0"] + "\n"},
		"mutable tag":  {args: []string{"--image", repo, "--tag", "2.0.0"}, want: repo + " 2.0.0 " + d["2.0.0"] + "\n"},
		"policy file":  {args: []string{"-f", policies}, want: repo + " 1.0.0 " + d["1.0.0"] + "\n" + repo + " build-12 " + d["build-12"] + "\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, errOut, err := runScan(t, tc.args...)
			if err != nil {
				t.Fatalf("scan: %v\n%s", err, errOut)
			}
			if diff := cmp.Diff(tc.want, out); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		out, _, err := runScan(t, "-f", policies, "-o", "json")
		if err != nil {
			t.Fatal(err)
		}
		var got []scanned
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		want := []scanned{{Policy: "one", Image: repo, Tag: "1.0.0", Digest: d["1.0.0"]}, {Policy: "builds", Image: repo, Tag: "build-12", Digest: d["build-12"]}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("json (-want +got):\n%s", diff)
		}
	})
}

// TestScanCommandFails checks that each failure gives an error and a
// one-line reason, and that a failed policy does not hide the others.
func TestScanCommandFails(t *testing.T) {
	reg := registry.NewInProcess(t)
	repo := reg.Repo("team/app")
	reg.Push(t, "team/app", "1.0.0")
	down := httptest.NewServer(nil)
	downRepo := strings.TrimPrefix(down.URL, "http://") + "/team/app"
	down.Close()
	notPolicy := filepath.Join(t.TempDir(), "deploy.yaml")
	writeFile(t, notPolicy, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")

	tests := map[string]struct {
		args []string
		want string
	}{
		"no matching tag":      {args: []string{"--image", repo, "--semver", ">=2.0.0"}, want: `no tag matches semver range ">=2.0.0"`},
		"unknown repository":   {args: []string{"--image", repo + "-gone", "--semver", ">=1.0.0"}, want: "not found"},
		"registry unreachable": {args: []string{"--image", downRepo, "--semver", ">=1.0.0"}, want: "registry unavailable"},
		"two strategies":       {args: []string{"--image", repo, "--semver", ">=1.0.0", "--tag", "x"}, want: "spec.select: Invalid value"},
		"bad range":            {args: []string{"--image", repo, "--semver", "soon"}, want: "spec.select.semver.range"},
		"bad order":            {args: []string{"--image", repo, "--numerical=up"}, want: `order "up": must be asc or desc`},
		"extract alone":        {args: []string{"--image", repo, "--numerical", "--extract", "$1"}, want: "--extract needs --filter-pattern"},
		"no input":             {args: nil, want: "give -f FILE or --image REPO"},
		"image with tag":       {args: []string{"--image", repo + ":1.0.0", "--semver", "*"}, want: "spec.image"},
		"not a policy file":    {args: []string{"-f", notPolicy}, want: "apps/v1 Deployment is not an imagepin.dev/v1alpha1 ImagePolicy"},
		"missing file":         {args: []string{"-f", "/nonexistent.yaml"}, want: "no such file"},
		"bad output":           {args: []string{"--image", repo, "--semver", "*", "-o", "xml"}, want: `--output "xml"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, errOut, err := runScan(t, tc.args...)
			if err == nil {
				t.Fatalf("scan succeeded: %s", out)
			}
			if msg := err.Error() + errOut; !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, stderr %q; want %q", err, errOut, tc.want)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("reason takes more than one line:\n%s", errOut)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
