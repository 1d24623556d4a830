// Package certs provides the serving certificate of imagepin's admission
// webhook server, in the mode the manager's --cert-mode names:
//
//   - self-signed: imagepin is its own CA. One Secret in imagepin's
//     namespace holds the CA (ca.crt, ca.key) and the serving pair (tls.crt,
//     tls.key); replicas race to create or renew it and adopt whatever won.
//     The CA bundle becomes the caBundle of imagepin's webhook
//     configurations. The serving certificate is renewed before expiry; the
//     CA too, its successor entering the caBundle TrustDelay before it signs
//     what is served and the old CA staying until it expires (package pki
//     decides all of this).
//   - cert-manager: imagepin creates (or uses) a cert-manager Certificate
//     and waits for the Secret cert-manager writes; cert-manager's cainjector
//     fills the caBundle.
//   - external: the key pair is mounted into the cert dir by someone else.
//
// In every mode the pair ends up as tls.crt and tls.key in the cert dir,
// where controller-runtime's certwatcher loads it and reloads it on change;
// Provider.TLSOpt hands that certificate to the webhook server. The manager
// adds the Provider as a Runnable on every replica (no leader election) and
// Provider.ReadyCheck to its readiness checks, so a replica receives
// admission requests only once it serves a certificate the API server
// trusts. The certificates' expiry times are exported as ExpiryMetric.
package certs
