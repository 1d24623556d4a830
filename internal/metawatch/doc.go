// Package metawatch watches objects whose content imagepin must not hold in
// memory, such as users' Secrets, by their metadata alone.
//
// A controller that wants to act within seconds when a Secret changes (the
// scanner re-scans a policy, write-back retries a target) needs an event,
// not the Secret: it reads the Secret itself with a GET when it acts. The
// cache of this package keeps only each object's namespace, name, UID and
// resourceVersion, so neither Secret data nor an annotation that holds it
// (kubectl's last-applied-configuration) stays in memory, and no label is
// needed on users' objects. RBAC cannot grant metadata alone: the watch
// needs list and watch on the kind.
package metawatch
