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
func commit(repo *git.Repository, head plumbing.Hash, change Change, committer Signature, now time.Time) (plumbing.Hash, error) {
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
	c := &object.Commit{
		Author:    object.Signature{Name: change.Author.Name, Email: change.Author.Email, When: now},
		Committer: object.Signature{Name: committer.Name, Email: committer.Email, When: now},
		Message:   change.Message, TreeHash: treeHash, ParentHashes: []plumbing.Hash{head},
	}
	hash, err := storeObject(repo.Storer, c)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
	}
	return hash, nil
}

// push sends hash to the plan's branch. It is not forced, except to
// rebuild a push branch that holds only the Writer's commits, and then
// only while the branch is where the plan saw it (a lease): the server
// refuses anything else.
func push(ctx context.Context, repo *git.Repository, t Target, hash plumbing.Hash, p plan) error {
	local := plumbing.NewBranchReferenceName(p.dest)
	if err := repo.Storer.SetReference(plumbing.NewHashReference(local, hash)); err != nil {
		return fmt.Errorf("set %s: %w", local, err)
	}
	opts := &git.PushOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{config.RefSpec(local.String() + ":" + local.String())},
		Auth:       t.Auth,
		CABundle:   t.CABundle,
	}
	if !p.lease.IsZero() {
		opts.RefSpecs = []config.RefSpec{config.RefSpec("+" + local.String() + ":" + local.String())}
		opts.ForceWithLease = &git.ForceWithLease{RefName: local, Hash: p.lease}
	}
	if err := repo.PushContext(ctx, opts); err != nil {
		return fmt.Errorf("push to branch %s: %w", p.dest, classify(err))
	}
	remote := plumbing.NewRemoteReferenceName(remoteName, p.dest)
	if err := repo.Storer.SetReference(plumbing.NewHashReference(remote, hash)); err != nil {
		return fmt.Errorf("set %s: %w", remote, err)
	}
	return nil
}
