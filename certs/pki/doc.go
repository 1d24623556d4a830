// Package pki is the pure certificate side of imagepin's self-signed mode.
//
// It issues a CA and a serving certificate with crypto/x509 (ECDSA P-256),
// reads them back from PEM, and decides with Policy.Plan what the
// certificate Secret should hold at a given instant: when the serving
// certificate is renewed, when the CA is rotated, and how long a new CA is
// trusted (published in the webhook configurations' caBundle) before it
// signs the certificate that is served, so that no admission request fails
// during a rotation.
//
// The package makes no API or network call and does not log; package certs
// stores what Plan returns in a Secret, the caBundle and the cert dir.
// Because Plan takes the time as an argument, every rotation step is a
// table test with a chosen clock.
package pki
