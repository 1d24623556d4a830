package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Random images are small: one layer of this many bytes.
const layerSize = 256

// Push pushes a distinct random image for each tag to repo and returns each
// tag's manifest digest. repo is a repository path such as "team/app"; a full
// name from Repo is accepted too.
func (r *Registry) Push(ctx context.Context, repo string, tags ...string) (map[string]v1.Hash, error) {
	digests := make(map[string]v1.Hash, len(tags))
	for _, tag := range tags {
		ref, err := r.tag(repo, tag)
		if err != nil {
			return nil, err
		}
		img, err := random.Image(layerSize, 1)
		if err != nil {
			return nil, fmt.Errorf("random image for %s: %w", ref, err)
		}
		if digests[tag], err = r.write(ctx, ref, img); err != nil {
			return nil, err
		}
	}
	return digests, nil
}

// PushIndex pushes a Docker manifest list to repo:tag with one random image
// per platform, each carrying its platform in both the index and its config.
// It returns the index digest and the image digests keyed by platform string
// ("linux/amd64", "linux/arm64/v8").
func (r *Registry) PushIndex(ctx context.Context, repo, tag string, platforms ...v1.Platform) (v1.Hash, map[string]v1.Hash, error) {
	ref, err := r.tag(repo, tag)
	if err != nil {
		return v1.Hash{}, nil, err
	}
	idx := mutate.IndexMediaType(empty.Index, types.DockerManifestList)
	manifests := make(map[string]v1.Hash, len(platforms))
	for _, p := range platforms {
		img, err := platformImage(p)
		if err != nil {
			return v1.Hash{}, nil, fmt.Errorf("image for %s: %w", p, err)
		}
		if manifests[p.String()], err = img.Digest(); err != nil {
			return v1.Hash{}, nil, fmt.Errorf("digest of %s image: %w", p, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &p},
		})
	}
	if err := remote.WriteIndex(ref, idx, r.remoteOptions(ctx)...); err != nil {
		return v1.Hash{}, nil, fmt.Errorf("push index %s: %w", ref, err)
	}
	digest, err := idx.Digest()
	if err != nil {
		return v1.Hash{}, nil, fmt.Errorf("digest of index %s: %w", ref, err)
	}
	return digest, manifests, nil
}

// platformImage returns a random image whose config names platform p, as a
// real per-platform image's does.
func platformImage(p v1.Platform) (v1.Image, error) {
	img, err := random.Image(layerSize, 1)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant, cfg.OSVersion = p.OS, p.Architecture, p.Variant, p.OSVersion
	return mutate.ConfigFile(img, cfg)
}

// DeleteTag deletes the manifest that repo:tag points to, which removes the
// tag from the tag list. Distribution deletes manifests by digest, so every
// other tag of the same manifest goes too (images from Push are distinct per
// tag). The registry must have been started with EnableDelete.
func (r *Registry) DeleteTag(ctx context.Context, repo, tag string) error {
	ref, err := r.tag(repo, tag)
	if err != nil {
		return err
	}
	if !r.enableDelete {
		return fmt.Errorf("delete %s: registry started without EnableDelete", ref)
	}
	desc, err := remote.Head(ref, r.remoteOptions(ctx)...)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", ref, err)
	}
	digest := ref.Context().Digest(desc.Digest.String())
	if err := remote.Delete(digest, r.remoteOptions(ctx)...); err != nil {
		return fmt.Errorf("delete %s (%s): %w", ref, desc.Digest, err)
	}
	return nil
}

// write pushes img to ref and returns its manifest digest.
func (r *Registry) write(ctx context.Context, ref name.Tag, img v1.Image) (v1.Hash, error) {
	if err := remote.Write(ref, img, r.remoteOptions(ctx)...); err != nil {
		return v1.Hash{}, fmt.Errorf("push %s: %w", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("digest of %s: %w", ref, err)
	}
	return digest, nil
}

// tag parses repo:tag in this registry; repo may already start with Host.
func (r *Registry) tag(repo, tag string) (name.Tag, error) {
	repo = strings.TrimPrefix(repo, r.Host+"/")
	ref, err := name.NewTag(r.Repo(repo)+":"+tag, name.StrictValidation)
	if err != nil {
		return name.Tag{}, fmt.Errorf("reference %s:%s: %w", repo, tag, err)
	}
	return ref, nil
}

// remoteOptions authenticate with the registry's credentials and trust its CA.
func (r *Registry) remoteOptions(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuth(r.Authenticator()),
		remote.WithTransport(r.transport),
	}
}

// Authenticator returns the registry's credentials for go-containerregistry,
// or anonymous access when it has none.
func (r *Registry) Authenticator() authn.Authenticator {
	if r.Username == "" {
		return authn.Anonymous
	}
	return &authn.Basic{Username: r.Username, Password: r.Password}
}
