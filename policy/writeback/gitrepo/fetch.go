package gitrepo

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// state is where the target's branches are: the branch, and the push
// branch (zero when it does not exist or there is none).
type state struct {
	branch, push plumbing.Hash
}

// head is the hash of the branch that is pushed to.
func (s state) head(t Target) plumbing.Hash {
	if t.PushBranch != "" {
		return s.push
	}
	return s.branch
}

// fetch brings the target's branches into the clone and returns their heads.
func fetch(ctx context.Context, repo *git.Repository, t Target) (state, error) {
	var st state
	var err error
	if st.branch, err = fetchBranch(ctx, repo, t, t.Branch); err != nil {
		return st, err
	}
	if t.PushBranch == "" {
		return st, nil
	}
	st.push, err = fetchBranch(ctx, repo, t, t.PushBranch)
	if errors.Is(err, ErrNotFound) {
		// Not created yet, or deleted after a merge: forget the old copy.
		_ = repo.Storer.RemoveReference(plumbing.NewRemoteReferenceName(remoteName, t.PushBranch))
		return st, nil
	}
	return st, err
}

// fetchBranch fetches one branch and returns its head.
func fetchBranch(ctx context.Context, repo *git.Repository, t Target, branch string) (plumbing.Hash, error) {
	remoteRef := plumbing.NewRemoteReferenceName(remoteName, branch)
	spec := config.RefSpec("+" + plumbing.NewBranchReferenceName(branch).String() + ":" + remoteRef.String())
	err := repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{spec},
		Depth:      depth(t),
		Auth:       t.Auth,
		CABundle:   t.CABundle,
		Tags:       git.NoTags,
		Force:      true,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, fmt.Errorf("fetch branch %s: %w", branch, classify(err))
	}
	ref, err := repo.Reference(remoteRef, true)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("branch %s after fetch: %w", branch, err)
	}
	return ref.Hash(), nil
}

// depth is how much history a fetch brings: only the head (1) for a write
// to the branch, whose commit needs nothing but its parent; all of it (0)
// with a push branch, whose plan compares the two branches' histories
// (ancestry, merge base, whose commits the push branch holds).
func depth(t Target) int {
	if t.PushBranch != "" {
		return 0
	}
	return 1
}
