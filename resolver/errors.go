package resolver

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Sentinels for errors.Is. An *Error wraps at most one of them, as its Kind.
var (
	// ErrUnauthorized means the registry refused the credentials (HTTP 401 or 403).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound means the repository, tag or manifest does not exist (HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrRateLimited means the registry still answered 429 after the retries,
	// or asked for a longer pause (Retry-After) than the resolver waits.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable means the registry could not be reached or did not answer
	// sensibly: 5xx after retries, connection errors, timeouts (including the
	// caller's deadline), truncated or malformed responses.
	ErrUnavailable = errors.New("registry unavailable")
	// ErrPlatformNotFound means a platform was requested that the image does
	// not provide: no manifest of an index matches it, or a single-platform
	// image was built for another platform.
	ErrPlatformNotFound = errors.New("platform not found")
)

// platformError explains an ErrPlatformNotFound without repeating it.
type platformError string

// Error implements error.
func (e platformError) Error() string { return string(e) }

// Is makes errors.Is(e, ErrPlatformNotFound) hold.
func (e platformError) Is(target error) bool { return target == ErrPlatformNotFound }

// errMalformed marks responses that do not follow the distribution API; it is
// classified as ErrUnavailable.
var errMalformed = errors.New("malformed registry response")

// Error describes a failed resolver call. It wraps both its Kind (one of the
// sentinels, or nil when none applies, e.g. after context.Canceled) and the
// underlying cause, so errors.Is works for the sentinel, for context errors
// and errors.As for *transport.Error.
type Error struct {
	// Op is the operation: "list tags of" or "resolve digest of".
	Op string
	// Ref is the normalised repository or reference the operation was
	// about, e.g. "index.docker.io/library/nginx:latest".
	Ref string
	// Registry is the registry host, e.g. "index.docker.io".
	Registry string
	// StatusCode is the last HTTP status the registry sent, 0 if none.
	StatusCode int
	// Kind is one of the package's sentinel errors, or nil.
	Kind error
	// Err is the underlying cause.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s", e.Op, e.Ref)
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Kind != nil {
		msg += ": " + e.Kind.Error()
	}
	return msg + ": " + e.Err.Error()
}

// Unwrap returns the sentinel kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// newError classifies err and wraps it with the operation's context. When the
// caller's context has ended, its error joins the chain, so errors.Is(err,
// context.DeadlineExceeded) holds even if a library dropped it.
func newError(ctx context.Context, op, ref, registry string, err error) error {
	var re *Error
	if errors.As(err, &re) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%w)", err, cerr)
	}
	code, kind := classify(err)
	return &Error{Op: op, Ref: ref, Registry: registry, StatusCode: code, Kind: kind, Err: err}
}

// classify maps an error to the HTTP status it carried and a sentinel.
func classify(err error) (code int, kind error) {
	// A certificate error comes first: on loopback and private addresses
	// go-containerregistry then also tries plain HTTP, whose 400 would hide it.
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return 0, ErrUnavailable
	}
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode, kindOfStatus(te.StatusCode)
	}
	switch {
	case errors.Is(err, ErrAddressDenied):
		return 0, ErrAddressDenied
	case errors.Is(err, ErrPlatformNotFound):
		return 0, ErrPlatformNotFound
	case errors.Is(err, context.Canceled):
		return 0, nil
	case errors.Is(err, context.DeadlineExceeded), isNetworkOrFormat(err):
		return 0, ErrUnavailable
	}
	return 0, nil
}

// kindOfStatus maps an HTTP status to a sentinel.
func kindOfStatus(code int) error {
	switch {
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return ErrUnauthorized
	case code == http.StatusNotFound:
		return ErrNotFound
	case code == http.StatusTooManyRequests:
		return ErrRateLimited
	case code >= 500:
		return ErrUnavailable
	}
	return nil
}

// isNetworkOrFormat reports errors of the connection or of the response body.
func isNetworkOrFormat(err error) bool {
	var (
		netErr    net.Error
		urlErr    *url.Error
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	return errors.As(err, &netErr) || errors.As(err, &urlErr) ||
		errors.As(err, &syntaxErr) || errors.As(err, &typeErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, errMalformed)
}

// maxReasonCause bounds the local cause that Reason keeps.
const maxReasonCause = 256

// Reason is e's message without anything the registry sent but its status
// code: the operation, the reference, the status and the kind, and, when no
// response came into it, the cause imagepin saw itself (a refused
// connection, a denied address, a certificate, the deadline), cut to
// maxReasonCause bytes. Admission warnings and denials use it: they reach any
// Pod author, and what a registry writes in a response body is not imagepin's
// to repeat. Error keeps the registry's words, for conditions and logs.
func (e *Error) Reason() string {
	msg := fmt.Sprintf("%s %s", e.Op, e.Ref)
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Kind != nil {
		msg += ": " + e.Kind.Error()
	}
	if e.StatusCode != 0 || fromResponse(e.Err) {
		return msg
	}
	cause := e.Err.Error()
	if len(cause) > maxReasonCause {
		cause = strings.ToValidUTF8(cause[:maxReasonCause], "") + "…"
	}
	return msg + ": " + cause
}

// fromResponse reports causes that quote what a registry sent: an HTTP
// status with its body, or a body that is not what the API promises.
func fromResponse(err error) bool {
	var (
		te        *transport.Error
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	return errors.As(err, &te) || errors.As(err, &syntaxErr) || errors.As(err, &typeErr) || errors.Is(err, errMalformed)
}
