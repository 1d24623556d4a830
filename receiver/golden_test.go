package receiver_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imagepin/imagepin/receiver"
)

// TestGoldenBodies maps each documented body under testdata to the
// repositories it must yield, and checks that every file is tested.
func TestGoldenBodies(t *testing.T) {
	tests := map[string]receiver.Notification{
		"distribution-push.http": {Source: receiver.SourceDistribution,
			Repositories: []string{"example.com/library/test", "registrycluster.local/library/test"}},
		"distribution-pull.http":       {Source: receiver.SourceDistribution},
		"gitlab-push.http":             {Source: receiver.SourceGitLab, Repositories: []string{"registry.test:5000/root/test"}},
		"dockerhub.http":               {Source: receiver.SourceDockerHub, Repositories: []string{"index.docker.io/svendowideit/testhook"}},
		"harbor-default.http":          {Source: receiver.SourceHarbor, Repositories: []string{"hub.harbor.com/test-webhook/debian"}},
		"harbor-cloudevents.http":      {Source: receiver.SourceCloudEvents, Repositories: []string{"localhost/harbor/alpine"}},
		"quay.http":                    {Source: receiver.SourceQuay, Repositories: []string{"quay.io/dgangaia/test"}},
		"quay-build.http":              {Source: receiver.SourceQuay},
		"github-registry-package.http": {Source: receiver.SourceGitHub, Repositories: []string{"ghcr.io/codertocat/hello-world"}},
		"github-package.http":          {Source: receiver.SourceGitHub, Repositories: []string{"ghcr.io/codertocat/hello-world"}},
		"github-ping.http":             {Source: receiver.SourceGitHub},
		"acr-cloudevents.http":         {Source: receiver.SourceCloudEvents, Repositories: []string{"demo.azurecr.io/aci-helloworld"}},
	}
	files, err := filepath.Glob("testdata/*.http")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := tests[filepath.Base(f)]; !ok {
			t.Errorf("%s has no expectation in this test", f)
		}
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			header, body := readRequest(t, filepath.Join("testdata", file))
			got, err := receiver.Parse(body, header)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

// readRequest reads a golden file: # lines (its origin), headers, a blank
// line, the body.
func readRequest(t *testing.T, path string) (http.Header, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var start int
	for strings.HasPrefix(string(data[start:]), "#") {
		start += bytes.IndexByte(data[start:], '\n') + 1
	}
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(data[start:])))
	mime, err := r.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("%s: headers: %v", path, err)
	}
	body, err := io.ReadAll(r.R)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data[:start]), "https://") {
		t.Errorf("%s does not say which documentation it comes from", path)
	}
	return http.Header(mime), body
}
