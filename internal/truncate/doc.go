// Package truncate cuts text that imagepin does not control — error bodies of
// registries and Git servers, user-supplied values — to a size that is safe
// in a condition message, an Event note, a log line or an admission warning.
//
// The API server rejects an Event whose note exceeds 1 KiB and a condition
// message over the CRD's 32 KiB limit; a status patch that carries such a
// message fails as a whole, so an oversized registry error would freeze a
// policy's status. Callers cut every foreign message with Message before it
// reaches any of those places.
package truncate
