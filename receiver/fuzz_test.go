package receiver_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/imagepin/imagepin/receiver"
)

// FuzzParse feeds arbitrary bodies (seeded with the golden ones) under
// each format's headers: Parse never panics, and what it returns is a
// bounded set of valid repository names.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.http")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	f.Add([]byte(`{"events":[{"action":"push","target":{"tag":"x","repository":"a"},"request":{"host":"h"}}]}`), uint8(0))
	f.Add([]byte(`{"repository":"r.example/a"}`), uint8(2))
	headers := []http.Header{
		{},
		{"X-Github-Event": {"registry_package"}},
		{"Ce-Specversion": {"1.0"}, "Ce-Type": {"com.example.image.pushed"}},
	}
	f.Fuzz(func(t *testing.T, body []byte, h uint8) {
		n, err := receiver.Parse(body, headers[int(h)%len(headers)])
		if err != nil {
			return
		}
		if len(n.Repositories) > receiver.MaxRepositories {
			t.Fatalf("%d repositories", len(n.Repositories))
		}
		for _, r := range n.Repositories {
			if _, err := name.NewRepository(r, name.StrictValidation); err != nil {
				t.Fatalf("invalid repository %q: %v", r, err)
			}
		}
	})
}
