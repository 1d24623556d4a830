package receiver

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// maxReference bounds a repository reference read from a body; OCI names
// are far shorter.
const maxReference = 512

// repositoryOf returns the normalised repository ("index.docker.io/library/
// nginx", "ghcr.io/org/app") of a reference that may carry a scheme, a tag
// (possibly empty: GitHub sends "ghcr.io/org/app:") or a digest. Registries
// report names in any case; repository names are lower case.
func repositoryOf(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", errors.New("empty repository")
	}
	if len(ref) > maxReference {
		return "", fmt.Errorf("repository of %d characters is too long", len(ref))
	}
	for _, scheme := range []string{"https://", "http://"} {
		ref = strings.TrimPrefix(ref, scheme)
	}
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	repo, err := name.NewRepository(strings.ToLower(strings.TrimSuffix(ref, "/")))
	if err != nil {
		return "", fmt.Errorf("repository %q: %w", ref, err)
	}
	// go-containerregistry accepts "a//b"; no registry serves it.
	if slices.Contains(strings.Split(repo.RepositoryStr(), "/"), "") {
		return "", fmt.Errorf("repository %q has an empty path component", ref)
	}
	return repo.Name(), nil
}

// onHost returns the repository of path (no host) in the registry host.
func onHost(host, path string) (string, error) {
	host = strings.TrimSpace(host)
	if host == "" {
		return "", fmt.Errorf("repository %q: the event names no registry host", path)
	}
	return repositoryOf(host + "/" + strings.TrimPrefix(path, "/"))
}
