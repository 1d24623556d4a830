package gitrepo

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// fetch brings the target branch into the clone and returns its head.
func fetch(ctx context.Context, repo *git.Repository, t Target) (plumbing.Hash, error) {
	remoteRef := plumbing.NewRemoteReferenceName(remoteName, t.Branch)
	spec := config.RefSpec("+" + plumbing.NewBranchReferenceName(t.Branch).String() + ":" + remoteRef.String())
	err := repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       t.Auth,
		CABundle:   t.CABundle,
		Tags:       git.NoTags,
		Force:      true,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, fmt.Errorf("fetch branch %s: %w", t.Branch, classify(err))
	}
	ref, err := repo.Reference(remoteRef, true)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("branch %s after fetch: %w", t.Branch, err)
	}
	return ref.Hash(), nil
}
