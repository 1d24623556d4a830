// Package resolver is imagepin's only door to container registries.
//
// The scanner calls ListTags once per repository and cycle and Digest for the
// tag its policy chose; the webhook calls CachedDigest for images that no
// policy governs. Both pass the caller's context and an Access that carries
// the credentials, the plain-HTTP switch and the extra CA of that one call,
// because policies in different namespaces use different Secrets.
//
// Requests pass through one chain of round trippers, outermost first:
//
//	go-containerregistry auth (bearer token or basic, cached per repository+credentials)
//	→ user agent
//	→ retry (exponential backoff, Retry-After, never past the context deadline)
//	→ address guard (denied address literals go no further)
//	→ per-registry limits (a bound on requests in flight, then the rate limit)
//	→ accounting (Prometheus counter by registry and status code, per-call RequestCounter)
//	→ net/http transport (TLS with the extra CA, connection reuse, and a
//	  dialer that refuses link-local addresses and WithDenyCIDRs on the
//	  address it connects to, after DNS)
//
// The authenticated transport of a repository is built once (one /v2/ ping and
// one token exchange) and reused for an hour by later calls with the same
// credentials, so a scan every few minutes does not repeat the handshake.
// CachedDigest adds a TTL cache and in-flight de-duplication in front, for
// the webhook; a platform's manifest digest is cached by the index digest,
// which never changes, so Digest with a platform costs one HEAD when warm.
//
// Every piece of state that a Pod author could grow by naming new hosts is
// bounded: per-host limits are kept for the most recently used hosts, the
// registry label of the request counter names only hosts that policies use
// (the rest count as "other"), and CachedDigest lookups in flight are capped
// in all and per tenant (the webhook passes the Pod's namespace).
//
// Failures are *Error values that wrap one of the sentinels ErrUnauthorized,
// ErrNotFound, ErrRateLimited, ErrUnavailable, ErrPlatformNotFound or
// ErrAddressDenied, so callers map them to condition reasons with errors.Is;
// Error.Reason is a message that holds nothing a registry sent but its
// status code, for admission warnings. The package never logs.
package resolver
