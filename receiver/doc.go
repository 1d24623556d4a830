// Package receiver turns registry push notifications into scans. It serves
// POST /registry-events/<token> on every manager replica (not only the
// leader): the token is the `token` key of a Secret, read again at most
// every few seconds so that the Secret can be rotated without a restart,
// and compared in constant time. The body is recognised as one of the
// formats registries send (CNCF Distribution and GitLab envelopes, Docker
// Hub, Harbor, Quay, GitHub Packages, CloudEvents; one parser per file) and
// mapped to normalised repositories; nothing else in it is trusted.
//
// Each pushed repository is debounced (a burst of tags is one scan) and
// rate-limited per repository and globally, then every ImagePolicy in any
// namespace whose spec.image is that repository gets a new value in its
// imagepin.dev/scan-requested-at annotation (package scanrequest). The
// scanner on the elected leader sees the annotation and scans at once,
// reading the registry itself. Requests are counted in
// imagepin_registry_events_total{source,result}.
package receiver
