package registry

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/imagepin/imagepin/internal/testenv"
)

// PushTags pushes one small image to every repository of repos under every
// tag of tags and returns its manifest digest, which all the tags share.
// It is made for registries of many thousand tags: the image's blobs go to
// each repository once, and each further tag is one manifest PUT, workers
// at once over kept-alive connections.
func (r *Registry) PushTags(ctx context.Context, repos, tags []string, workers int) (v1.Hash, error) {
	if len(tags) == 0 || workers < 1 {
		return v1.Hash{}, fmt.Errorf("push tags: need a tag and a worker, got %d and %d", len(tags), workers)
	}
	img, err := random.Image(layerSize, 1)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("random image: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("digest of image: %w", err)
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("manifest of image: %w", err)
	}
	mediaType, err := img.MediaType()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("media type of image: %w", err)
	}
	err = testenv.Parallel(ctx, len(repos), workers, func(i int) error {
		ref, err := r.tag(repos[i], tags[0])
		if err != nil {
			return err
		}
		_, err = r.write(ctx, ref, img)
		return err
	})
	if err != nil || len(tags) == 1 {
		return digest, err
	}
	put := r.manifestPutter(workers, manifest, string(mediaType))
	rest := tags[1:]
	return digest, testenv.Parallel(ctx, len(repos)*len(rest), workers, func(i int) error {
		return put(ctx, repos[i/len(rest)], rest[i%len(rest)])
	})
}

// manifestPutter returns a function that PUTs manifest as repo:tag over a
// client that keeps a connection per worker.
func (r *Registry) manifestPutter(workers int, manifest []byte, mediaType string) func(ctx context.Context, repo, tag string) error {
	tr := r.transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = workers
	client := &http.Client{Transport: tr}
	return func(ctx context.Context, repo, tag string) error {
		repo = strings.TrimPrefix(repo, r.Host+"/")
		url := fmt.Sprintf("%s/v2/%s/manifests/%s", r.baseURL(), repo, tag)
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(manifest))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", mediaType)
		if r.Username != "" {
			req.SetBasicAuth(r.Username, r.Password)
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("put manifest %s:%s: %w", repo, tag, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("put manifest %s:%s: %s", repo, tag, resp.Status)
		}
		return nil
	}
}
