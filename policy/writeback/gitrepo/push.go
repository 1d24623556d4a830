package gitrepo

import (
	"context"
	"fmt"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// commit stores a commit of change on top of head and returns its hash.
func commit(repo *git.Repository, head plumbing.Hash, change Change, now time.Time) (plumbing.Hash, error) {
	parent, err := repo.CommitObject(head)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("commit %s: %w", head, err)
	}
	tree, err := parent.Tree()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("tree of %s: %w", head, err)
	}
	treeHash, err := writeTree(repo.Storer, tree, change.Files)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write tree: %w", err)
	}
	sig := object.Signature{Name: change.Author.Name, Email: change.Author.Email, When: now}
	c := &object.Commit{Author: sig, Committer: sig, Message: change.Message, TreeHash: treeHash, ParentHashes: []plumbing.Hash{head}}
	hash, err := storeObject(repo.Storer, c)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
	}
	return hash, nil
}

// push sends hash to the target branch. It is not forced: the server takes
// it only if the branch is still at hash's parent.
func push(ctx context.Context, repo *git.Repository, t Target, hash plumbing.Hash) error {
	local := plumbing.NewBranchReferenceName(t.Branch)
	if err := repo.Storer.SetReference(plumbing.NewHashReference(local, hash)); err != nil {
		return fmt.Errorf("set %s: %w", local, err)
	}
	err := repo.PushContext(ctx, &git.PushOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{config.RefSpec(local.String() + ":" + local.String())},
		Auth:       t.Auth,
		CABundle:   t.CABundle,
	})
	if err != nil {
		return fmt.Errorf("push to branch %s: %w", t.Branch, classify(err))
	}
	remote := plumbing.NewRemoteReferenceName(remoteName, t.Branch)
	if err := repo.Storer.SetReference(plumbing.NewHashReference(remote, hash)); err != nil {
		return fmt.Errorf("set %s: %w", remote, err)
	}
	return nil
}
