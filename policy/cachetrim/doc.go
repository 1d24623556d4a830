// Package cachetrim decides what the manager's informer cache keeps of each
// object. Every replica holds every ImagePolicy of the cluster in memory —
// the webhook answers from them — so for a fleet of thousands of policies
// the cache is most of the manager's heap.
//
// Options are the manager's cache settings: revision objects stripped to
// the few fields the webhook reads (workload.Strip); ImagePolicies without
// managedFields and kubectl's last-applied configuration, with the strings
// that many policies hold alike — namespaces, repositories, tags, digests,
// images, condition reasons and messages — shared by all of them (Policy);
// every other kind (Namespaces, the metadata of Secrets and
// ServiceAccounts) without managedFields and the last-applied
// configuration (Meta), which nothing in imagepin reads.
//
// Dropping fields from the cache is safe because imagepin never replaces a
// cached object on the API server: it writes merge patches computed
// between two cached copies, which both lack what was dropped, and
// server-side apply requests of its own fields.
package cachetrim
