// Package gitrepo commits changes to a branch of a remote Git repository
// and pushes them, for Git write-back. The write-back controller tells it
// which repository, branch, credentials and paths; an Edit callback (the
// marker rewriter) turns the files of the branch head into a change.
//
// With a push branch, commits go there instead: it is created from the
// branch, committed on top of, and replaced (with a lease) only when the
// branch has moved ahead and it holds nothing but the Writer's commits.
// An Edit may also create files, in folders that exist.
//
// A Writer keeps one bare clone per repository, branch and credentials in
// a cache folder and fetches into it on every write: only the branch (no
// tags, no other branches), and for a write to the branch only its head
// (depth 1), since a commit needs nothing but its parent; with a push
// branch the whole history of both branches, which the choice of where to
// commit compares. Its own objects are packed once a clone holds a few
// dozen. The folder has a disk budget: every file write is charged to it
// and refused past it (so no repository or server can fill the disk), the
// least recently written clones are removed to keep it half empty, and
// Retain removes the clones of targets no longer written. It never checks
// files out: it reads blobs of the fetched head, writes new blobs, trees and a
// commit whose parent is that head, and pushes it. When the push is refused
// because someone else pushed first, it fetches the new head and calls Edit
// again on it: Edit computes the desired content from scratch, so no update
// is lost and none is applied twice. A change that the branch already holds
// makes no commit, which makes writes idempotent, across restarts too.
//
// It uses go-git, not the git CLI: imagepin ships as a distroless image
// without git, and in-process Git keeps credentials out of command lines,
// environments and files. The package does not log; it returns wrapped
// errors that errors.Is matches against ErrAuthentication, ErrNotFound,
// ErrPushRejected, ErrInvalidCredentials and ErrCacheFull.
package gitrepo
