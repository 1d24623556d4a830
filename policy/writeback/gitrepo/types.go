package gitrepo

import (
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Target is a branch of a repository and how to reach it.
type Target struct {
	// URL of the repository: https://, http://, ssh:// or user@host:path.
	URL string
	// Branch is fetched, committed to and pushed (unless PushBranch is set).
	Branch string
	// PushBranch, when set, is pushed to instead of Branch: created from
	// Branch when missing, committed on top of otherwise. When Branch has
	// moved ahead of it and it holds only the Writer's commits, it is made
	// again from Branch and pushed with a lease; a PushBranch with others'
	// commits is never rewritten.
	PushBranch string
	// Auth are the credentials (see Auth); nil for none.
	Auth transport.AuthMethod
	// CABundle holds extra PEM certificates to trust for HTTPS.
	CABundle []byte
	// Scope names the credentials (for example the Secret's namespace/name).
	// Clones made with different credentials are kept apart, so that
	// credentials that cannot read a repository never see a cached copy.
	Scope string
}

// File is a file of the branch head.
type File struct {
	// Path is relative to the repository root, with forward slashes.
	Path string
	// Content is the file's content.
	Content []byte
	// Missing marks a path of Request.Paths that names no file but whose
	// folder exists: Edit may create it by returning content for it.
	Missing bool
}

// Signature names the author of a commit.
type Signature struct {
	Name  string
	Email string
}

// Change is what an Edit wants committed.
type Change struct {
	// Files maps the paths of changed files to their new content. Only
	// files that Edit was given can be changed. Empty means no commit.
	Files map[string][]byte
	// Message is the commit message.
	Message string
	// Author is the commit's author and committer.
	Author Signature
}

// Edit computes a change from the files of the branch head under the
// request's paths. It is called once per attempt, on the head of that
// attempt, and must compute the desired content from what it is given.
type Edit func(files []File) (Change, error)

// Request is one write: read the paths of the target's branch head, edit
// them, commit and push.
type Request struct {
	Target
	// Paths are files or directories relative to the repository root. A
	// directory contributes its YAML files (.yaml, .yml), a file itself,
	// and a missing file in an existing folder a File marked Missing.
	// An empty path means the whole repository.
	Paths []string
	// Edit computes the change.
	Edit Edit
}

// Result is the outcome of a successful write.
type Result struct {
	// Commit is the pushed commit, or the branch head when nothing changed.
	Commit string
	// Branch is the branch that holds Commit: Branch or PushBranch.
	Branch string
	// Pushed is true when a commit was pushed.
	Pushed bool
	// Attempts counts the edits made (more than one when pushes were refused).
	Attempts int
}
