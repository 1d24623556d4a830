// Package stack starts imagepin's whole environment on 127.0.0.1 and tears
// it down: a control plane with kube-controller-manager (internal/testenv/controlplane)
// and, with Options.Nodes, kube-scheduler and kwok's fake Nodes that Pods
// run on, a Distribution registry with htpasswd and TLS seeded with tags of
// one repository (internal/testenv/registry), a Git server whose bare repository holds a
// Helm-style values file with imagepin markers (internal/testenv/gitserver), the chart
// installed with helm for the CRD, RBAC and webhook configurations, and the
// imagepin binary running `imagepin manager` as a separate process.
//
// The manager talks to the API server as the chart's ServiceAccount
// (through impersonation), so the chart's RBAC is what the end-to-end
// scenario and the demo exercise, and the webhook configurations point at
// the local manager through the chart's webhook.url value.
//
// The end-to-end scenario (e2e/scenario) and the demo (hack/demo) share this
// package; sample.go holds the objects both apply.
package stack
