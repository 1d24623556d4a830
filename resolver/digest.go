package resolver

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Digest resolves ref (a tag, or a digest to check and narrow to a platform)
// to a manifest digest, uncached: one HEAD request once the repository's
// transport is warm.
//
// With platform nil it returns what the reference points to: the index digest of
// a multi-platform image, which stays valid on every node. With a platform
// it returns the digest of that platform's manifest; a single-platform image
// is returned only when its config names a matching platform. Fields left
// empty in platform match anything (v1.Platform.Satisfies).
//
// Registries that refuse HEAD (405, 403, 501, or no Docker-Content-Digest
// header) are asked with GET instead.
func (r *Resolver) Digest(ctx context.Context, ref name.Reference, platform *v1.Platform, a Access) (v1.Hash, error) {
	ctx = withPolicy(ctx)
	s, err := r.session(ctx, ref.Context(), a)
	if err != nil {
		return v1.Hash{}, newError(ctx, "resolve digest of", ref.Name(), ref.Context().RegistryStr(), err)
	}
	h, err := r.digest(ctx, s, ref, platform)
	if err != nil {
		return v1.Hash{}, newError(ctx, "resolve digest of", ref.Name(), ref.Context().RegistryStr(), err)
	}
	return h, nil
}

// digest resolves ref within session s.
func (r *Resolver) digest(ctx context.Context, s *session, ref name.Reference, platform *v1.Platform) (v1.Hash, error) {
	m, err := s.head(ctx, rebase(ref, s.repo))
	if err != nil {
		return v1.Hash{}, err
	}
	if platform == nil {
		return m.desc.Digest, nil
	}
	return r.platformDigest(ctx, s, m, *platform)
}

// rebase names ref's tag or digest in repo, which may differ from ref's
// repository in being insecure.
func rebase(ref name.Reference, repo name.Repository) name.Reference {
	if d, ok := ref.(name.Digest); ok {
		return repo.Digest(d.DigestStr())
	}
	return repo.Tag(ref.Identifier())
}

// manifest is what HEAD (or the GET that replaced it) told about a tag. raw
// is set only when GET was used.
type manifest struct {
	desc v1.Descriptor
	raw  *remote.Descriptor
}

// head asks for ref's descriptor with HEAD, falling back to GET.
func (s *session) head(ctx context.Context, ref name.Reference) (*manifest, error) {
	desc, err := remote.Head(ref, s.options(ctx)...)
	if err == nil {
		return &manifest{desc: *desc}, nil
	}
	if !headRefused(err) {
		return nil, err
	}
	raw, err := remote.Get(ref, s.options(ctx)...)
	if err != nil {
		return nil, err
	}
	return &manifest{desc: raw.Descriptor, raw: raw}, nil
}

// get fetches the manifest of ref.
func (s *session) get(ctx context.Context, ref name.Reference) (*remote.Descriptor, error) {
	return remote.Get(ref, s.options(ctx)...)
}

// options make go-containerregistry use the session's authenticated
// transport as is: a *transport.Wrapper skips its own ping and retries.
func (s *session) options(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithTransport(s.tr), remote.WithContext(ctx)}
}

// headRefused reports HEAD failures that GET may not share: the method is
// not allowed or not implemented, HEAD is forbidden while GET is not (seen
// on some proxies), or the answer lacks the headers a digest needs.
func headRefused(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return !isNetworkOrFormat(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	switch te.StatusCode {
	case http.StatusMethodNotAllowed, http.StatusForbidden, http.StatusNotImplemented:
		return true
	}
	return false
}
