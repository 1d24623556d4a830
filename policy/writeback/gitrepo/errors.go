package gitrepo

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Errors that the write-back controller turns into condition reasons.
var (
	// ErrAuthentication means the server refused the credentials, or the
	// SSH host key did not match known_hosts.
	ErrAuthentication = errors.New("authentication failed")
	// ErrNotFound means the repository or the branch does not exist, or
	// the repository is empty.
	ErrNotFound = errors.New("not found")
	// ErrPushRejected means the server refused the push: others kept
	// pushing until the attempts ran out, or the server refused the update
	// (a protected branch, a hook).
	ErrPushRejected = errors.New("push rejected")
	// ErrInvalidCredentials means the credentials cannot be used as given.
	ErrInvalidCredentials = errors.New("invalid credentials")
)

// classify wraps a go-git transport error into one of the package's errors,
// where one fits.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case isAuthError(err):
		return join(ErrAuthentication, err)
	case errors.Is(err, transport.ErrRepositoryNotFound), errors.Is(err, transport.ErrEmptyRemoteRepository),
		errors.Is(err, git.NoMatchingRefSpecError{}):
		return join(ErrNotFound, err)
	}
	return err
}

func isAuthError(err error) bool {
	var keyErr *knownhosts.KeyError
	var revoked *knownhosts.RevokedError
	return errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed) ||
		errors.As(err, &keyErr) || errors.As(err, &revoked) ||
		// golang.org/x/crypto/ssh has no typed error for refused keys.
		strings.Contains(err.Error(), "ssh: unable to authenticate")
}

// damaged reports whether err may come from a damaged clone: it is not
// the server's answer, a network failure, a cancellation or Edit's error.
func damaged(err error) bool {
	var edit *editError
	for _, known := range []error{ErrAuthentication, ErrNotFound, ErrPushRejected, ErrInvalidCredentials, ErrCacheFull,
		context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, known) {
			return false
		}
	}
	return !errors.As(err, &edit) && !network(err)
}

// network reports whether err is a failure to talk to the server.
func network(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr)
}

// editError is an error of Request.Edit.
type editError struct{ err error }

func (e *editError) Error() string { return e.err.Error() }
func (e *editError) Unwrap() error { return e.err }

// join returns an error that is both kind and err, reading as err.
func join(kind, err error) error {
	return &kindError{kind: kind, err: err}
}

type kindError struct{ kind, err error }

func (e *kindError) Error() string   { return e.kind.Error() + ": " + e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }
