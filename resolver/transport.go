package resolver

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Sizes of the transport caches. Authenticated transports expire so that
// credentials rotated away are dropped; tokens refresh themselves within
// that time (the bearer transport re-exchanges on a 401 challenge).
const (
	maxChains        = 64
	maxAuthenticated = 4096
	authenticatedTTL = time.Hour
)

// transports builds and shares the resolver's round trippers.
type transports struct {
	metrics    *metrics
	guard      *addressGuard
	limits     *hostLimits
	labels     *registryLabels
	opts       *options
	mu         sync.Mutex
	chains     *lru[http.RoundTripper] // by CA bundle
	authed     *lru[http.RoundTripper] // by credentials + repository
	handshakes flight[http.RoundTripper]
}

// newTransports returns empty caches around the shared limits and metrics.
func newTransports(o *options, m *metrics) *transports {
	return &transports{
		metrics: m,
		guard:   newAddressGuard(o.denied),
		labels:  newRegistryLabels(o.maxRegistryLabels),
		limits:  newHostLimits(o.rateLimit, o.burst, o.maxInFlight, o.maxHosts),
		opts:    o,
		chains:  newLRU[http.RoundTripper](maxChains, 0),
		authed:  newLRU[http.RoundTripper](maxAuthenticated, authenticatedTTL),
	}
}

// authenticated returns the transport for repo with creds: built once (one
// /v2/ ping and, for bearer registries, one token exchange), then reused.
// Concurrent first uses share one handshake, which runs detached from any
// one caller's cancellation but within the shared timeout.
func (t *transports) authenticated(ctx context.Context, repo name.Repository, creds credentials, caPEM []byte) (http.RoundTripper, error) {
	key := creds.key + "\x00" + repo.Scheme() + "://" + repo.Name()
	if tr, ok := t.authed.get(key); ok {
		return tr, nil
	}
	return t.handshakes.do(ctx, key, t.opts.sharedTimeout, nil, func(ctx context.Context) (http.RoundTripper, error) {
		chain, err := t.chain(caPEM)
		if err != nil {
			return nil, err
		}
		scopes := []string{repo.Scope(transport.PullScope)}
		tr, err := transport.NewWithContext(ctx, repo.Registry, creds.auth, guardCredentials(chain, creds), scopes)
		if err != nil {
			return nil, err
		}
		t.authed.add(key, tr)
		return tr, nil
	})
}

// chain returns the unauthenticated chain for a CA bundle:
// user agent → retry → address guard → limits → accounting → net/http
// (whose dialer checks every address it connects to).
func (t *transports) chain(caPEM []byte) (http.RoundTripper, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sum := sha256.Sum256(caPEM)
	key := string(sum[:])
	if c, ok := t.chains.get(key); ok {
		return c, nil
	}
	base, err := newBaseTransport(caPEM, t.guard)
	if err != nil {
		return nil, err
	}
	var c http.RoundTripper = &countingTransport{next: base, metrics: t.metrics, labels: t.labels}
	c = &limitTransport{next: c, limits: t.limits}
	c = &guardTransport{next: c, guard: t.guard}
	c = &retryTransport{next: c, attempts: t.opts.maxAttempts, initial: t.opts.initialBackoff, max: t.opts.maxBackoff}
	c = transport.NewUserAgent(c, t.opts.userAgent)
	t.chains.add(key, c)
	return c, nil
}

// newBaseTransport is net/http's default transport with a response-header
// timeout (a stalled registry fails a try instead of hanging until the
// caller's deadline), caPEM added to the system roots, and guard checking
// every address dialled. Behind an HTTP proxy (HTTPS_PROXY) the proxy
// resolves names: the guard then sees the proxy's address, and address
// literals of images are still refused by guardTransport.
func newBaseTransport(caPEM []byte, guard *addressGuard) (*http.Transport, error) {
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           guard.dialContext(&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   DefaultMaxInFlight * 2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if len(caPEM) == 0 {
		return base, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("access: CAPEM holds no PEM certificate")
	}
	base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return base, nil
}
