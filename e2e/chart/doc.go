// Package chart tests the Helm chart in charts/imagepin: it lints, renders
// in every certificate mode, is accepted by a real kube-apiserver, installs
// with helm, matches the webhook configurations the other tests use, and
// documents every value in the README.
package chart
