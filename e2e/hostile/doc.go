// Package hostile attacks a running imagepin the way a tenant of a shared
// cluster could, and checks that the attacks are harmless: the chart
// installed with helm, `imagepin manager` running as the chart's
// ServiceAccount, a real kube-apiserver calling its webhooks (e2e/stack).
// Each attack is one step of TestHostileInput; the README's "Limits
// (hostile input)" section says what they prove.
package hostile
