package gitrepo

import (
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxOwnCommits bounds the walk that checks a push branch holds only the
// Writer's commits; a longer branch is treated as someone else's.
const maxOwnCommits = 1000

// plan is where an attempt commits and pushes.
type plan struct {
	// base is the parent of the commit, on baseBranch.
	base       plumbing.Hash
	baseBranch string
	// dest is the branch pushed to.
	dest string
	// lease, when set, makes the push replace dest if, and only if, dest
	// is still at lease.
	lease plumbing.Hash
}

// plan decides where to commit: on the branch without a push branch; on a
// new push branch made from the branch; on top of the push branch when it
// holds the branch's head, or commits of others; or on the branch's head,
// replacing a push branch that the branch has moved ahead of and that
// holds only the Writer's commits (its change is made again on top).
func (w *Writer) plan(repo *git.Repository, t Target, st state) (plan, error) {
	p := plan{base: st.branch, baseBranch: t.Branch, dest: t.Branch}
	if t.PushBranch == "" {
		return p, nil
	}
	p.dest = t.PushBranch
	if st.push.IsZero() {
		return p, nil
	}
	branch, err := repo.CommitObject(st.branch)
	if err != nil {
		return p, fmt.Errorf("commit %s: %w", st.branch, err)
	}
	push, err := repo.CommitObject(st.push)
	if err != nil {
		return p, fmt.Errorf("commit %s: %w", st.push, err)
	}
	if ahead, err := branch.IsAncestor(push); err != nil || ahead {
		return plan{base: st.push, baseBranch: t.PushBranch, dest: t.PushBranch}, err
	}
	ours, err := w.onlyOurs(push, branch)
	if err != nil || !ours {
		return plan{base: st.push, baseBranch: t.PushBranch, dest: t.PushBranch}, err
	}
	p.lease = st.push
	return p, nil
}

var errNotOurs = errors.New("a commit of someone else")

// onlyOurs reports whether every commit of push that branch lacks was
// committed by the Writer.
func (w *Writer) onlyOurs(push, branch *object.Commit) (bool, error) {
	bases, err := push.MergeBase(branch)
	if err != nil {
		return false, fmt.Errorf("merge base of %s and %s: %w", push.Hash, branch.Hash, err)
	}
	stop := map[plumbing.Hash]bool{}
	for _, b := range bases {
		stop[b.Hash] = true
	}
	n := 0
	err = object.NewCommitPreorderIter(push, stop, nil).ForEach(func(c *object.Commit) error {
		n++
		if stop[c.Hash] {
			return nil
		}
		if n > maxOwnCommits || c.NumParents() != 1 || c.Committer.Email != w.opts.Committer.Email {
			return errNotOurs
		}
		return nil
	})
	if errors.Is(err, errNotOurs) {
		return false, nil
	}
	return err == nil, err
}
