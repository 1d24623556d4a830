package resolver

import (
	"bytes"
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// platformDigest narrows a tag's manifest to platform. The answer depends
// only on the manifest's content, so it is cached by manifest digest without
// expiry: a steady-state scan of a multi-platform tag costs one HEAD.
func (r *Resolver) platformDigest(ctx context.Context, s *session, m *manifest, platform v1.Platform) (v1.Hash, error) {
	key := s.repo.Name() + "@" + m.desc.Digest.String() + "\x00" + platform.String()
	if h, ok := r.platforms.get(key); ok {
		return h, nil
	}
	raw := m.raw
	if raw == nil {
		var err error
		if raw, err = s.get(ctx, s.repo.Digest(m.desc.Digest.String())); err != nil {
			return v1.Hash{}, err
		}
	}
	h := m.desc.Digest
	var err error
	if raw.MediaType.IsIndex() {
		h, err = indexChild(raw.Manifest, platform)
	} else {
		err = imageMatches(raw, platform)
	}
	if err != nil {
		return v1.Hash{}, err
	}
	r.platforms.add(key, h)
	return h, nil
}

// indexChild returns the digest of the first manifest of an index whose
// platform satisfies want, in index order.
func indexChild(raw []byte, want v1.Platform) (v1.Hash, error) {
	index, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return v1.Hash{}, fmt.Errorf("%w: image index: %v", errMalformed, err)
	}
	var have []string
	for _, child := range index.Manifests {
		if child.Platform == nil {
			continue
		}
		if child.Platform.Satisfies(want) {
			return child.Digest, nil
		}
		have = append(have, child.Platform.String())
	}
	return v1.Hash{}, platformError(fmt.Sprintf("no manifest for %s in the index (it has %v)", want, have))
}

// imageMatches checks a single-platform image's config against want.
func imageMatches(raw *remote.Descriptor, want v1.Platform) error {
	img, err := raw.Image()
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	got := cfg.Platform()
	if got == nil {
		return platformError(fmt.Sprintf("single-platform image names no platform, %s requested", want))
	}
	if !got.Satisfies(want) {
		return platformError(fmt.Sprintf("single-platform image is %s, %s requested", got, want))
	}
	return nil
}
