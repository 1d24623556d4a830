// Package webhook is imagepin's admission side: the paths its webhook server
// serves and the Pod handler that pins container images.
//
// The API server sends every Pod CREATE, image-changing UPDATE and
// ephemeral-container update of an opt-in namespace (label
// imagepin.dev/pinning=enabled or strict) to PodHandler, at the path of the
// namespace's mode (MutatePodsEnabledPath, MutatePodsStrictPath): the
// handler knows the mode from the path, so it knows how to fail without
// reading the Namespace. For each image the handler decides, in this order:
//
//  1. it already names a digest: left as it is;
//  2. an ImagePolicy of the Pod's namespace governs its repository (found
//     through a field index of the manager's informer cache,
//     governing.IndexPolicies): replaced by the image of the Pod's workload
//     revision (package revision: the record on its ReplicaSet,
//     ControllerRevision or Job, else the value of status.current that had
//     settled when the revision was created), or by status.current for a
//     bare Pod. This path makes no registry and no API call. A policy with no
//     current yet (or a current of another repository) cannot pin: strict
//     namespaces deny, enabled ones go on to 3 with a warning;
//  3. otherwise its tag is resolved to a digest through the resolver's shared
//     cache, within a time budget below the webhook timeout, optionally with
//     the Pod's imagePullSecrets;
//  4. it cannot be pinned: an enabled namespace admits it unchanged with a
//     warning, a strict namespace denies the Pod.
//
// imagepin's own errors (a request it cannot decode, a patch it cannot
// compute) are treated the same way: enabled admits the Pod as submitted
// with a warning, strict refuses it. Warnings and denials name a registry's
// status code, never its response body.
//
// Every change is reported as an admission warning and recorded in the
// imagepin.dev/original-images annotation; the response is a JSON patch
// computed from the raw request object, so fields this binary does not know
// survive. Templates (Deployments and the like) are never touched.
package webhook
