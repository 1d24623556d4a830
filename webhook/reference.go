package webhook

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// parseTag parses an image without a digest. go-containerregistry's
// parser, which the resolver uses, accepts some strings that the container
// runtime would refuse to pull (InvalidImageName); those are rejected here
// too, so that a strict namespace denies them with a reason instead of
// asking a registry about them.
func parseTag(image string) (name.Tag, error) {
	tag, err := name.NewTag(image)
	if err != nil {
		return name.Tag{}, err
	}
	if err := checkRepository(tag.Context()); err != nil {
		return name.Tag{}, err
	}
	return tag, nil
}

// checkRepository rejects empty path components ("a//b") and a registry
// port that is not a number ("https://…" parses as registry "https:").
func checkRepository(repo name.Repository) error {
	reg := repo.RegistryStr()
	if i := strings.LastIndex(reg, ":"); i >= 0 && !strings.HasSuffix(reg, "]") { // not a bare IPv6 address
		if port := reg[i+1:]; port == "" || strings.Trim(port, "0123456789") != "" {
			return errors.New("registry " + reg + " has an invalid port")
		}
	}
	for _, part := range strings.Split(repo.RepositoryStr(), "/") {
		if part == "" {
			return fmt.Errorf("repository %q has an empty path component", repo.RepositoryStr())
		}
	}
	return nil
}
