// Package rollout holds the end-to-end tests of imagepin's rollouts, on the
// whole stack (e2e/stack: the chart, the imagepin binary, a Distribution
// registry) with kube-scheduler and kwok's fake Nodes, so that Pods run and
// Deployments, StatefulSets and DaemonSets finish their rollouts as in a
// cluster: one digest per revision through scale-ups and evictions,
// strategies None and Restart, maxUnavailable and partitions honoured,
// kubectl rollout status and undo, pins and unpins, Jobs, and two manager
// replicas with a restart in the middle of a rollout.
package rollout
