// Package governing finds the ImagePolicy that governs a repository in a
// namespace, from the manager's informer cache, and says which of its
// status values may be trusted. The webhook, the revision recorder and the
// rollout controller all ask it, so they agree on one policy per
// repository: when several policies of a namespace name the same
// repository, the first by name governs.
package governing
