package resolver

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// retryTransport retries idempotent requests that failed for a reason that
// may pass: 408, 429 and 5xx responses (but 501 and 505), timeouts and broken
// connections. It waits with exponential backoff, or as long as Retry-After
// asks, and never waits past the request context's deadline: if the next try
// could not start in time, the last response or error is returned at once.
// 400, 401, 403 and 404 are final.
type retryTransport struct {
	next     http.RoundTripper
	attempts int
	initial  time.Duration
	max      time.Duration
}

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if attempt >= t.attempts || !replayable(req) || ctx.Err() != nil {
			return resp, err
		}
		wait, ok := t.pause(resp, err, attempt)
		if !ok || !beforeDeadline(ctx, wait) {
			return resp, err
		}
		if resp != nil {
			drain(resp)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// pause says whether to retry after resp/err and how long to wait first.
func (t *retryTransport) pause(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if err != nil {
		return t.backoff(attempt), retryableError(err)
	}
	if !retryableStatus(resp.StatusCode) {
		return 0, false
	}
	if after, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		return after, after <= t.max
	}
	return t.backoff(attempt), true
}

// backoff is initial·2^(attempt-1), capped at max, with ±20% jitter.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.initial << (attempt - 1)
	if d > t.max || d <= 0 {
		d = t.max
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// replayable reports requests that can be sent again unchanged.
func replayable(req *http.Request) bool {
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	return idempotent && (req.Body == nil || req.Body == http.NoBody)
}

// retryableStatus reports statuses that may pass.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests:
		return true
	case http.StatusNotImplemented, http.StatusHTTPVersionNotSupported:
		return false
	}
	return code >= 500
}

// retryableError reports transport errors that may pass. TLS and certificate
// errors are final (and are how a plain-HTTP registry answers the HTTPS probe).
func retryableError(err error) bool {
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(value string, now time.Time) (time.Duration, bool) {
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(value); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// beforeDeadline reports whether a try after wait would still start before
// ctx's deadline.
func beforeDeadline(ctx context.Context, wait time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Now().Add(wait).Before(deadline)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drain reads a little of a discarded body so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
}
