// Package registry runs a real CNCF Distribution v3 registry as a local
// process for tests and the demo.
//
// The resolver's integration tests and the end-to-end tests need a registry
// that behaves like the ones users run: HTTP basic auth (htpasswd), TLS with a
// private CA, tag lists paged with Link headers, and manifest deletion. An
// in-process go-containerregistry registry does not page, so this package
// starts the real binary on a free 127.0.0.1 port with its own storage,
// configuration, credentials and CA in a temporary folder, and seeds it with
// random images through go-containerregistry.
//
// The binary is taken from $IMAGEPIN_REGISTRY_BIN, or else built (once per
// machine, into a cache outside the checkout) and located by hack/registry.sh.
// Tests never skip because it is missing.
package registry
