package resolver

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrCredentialsOverHTTP means a call would have sent credentials over
// plain HTTP although it does not allow plain HTTP (Access.Insecure). It
// comes wrapped in an *Error.
var ErrCredentialsOverHTTP = errors.New("credentials refused over plain HTTP")

// plainHTTPGuard refuses requests that would carry credentials over plain
// HTTP. go-containerregistry pings a registry on a loopback or private
// address over HTTPS and, when that fails, over HTTP on its own; the guard
// makes Access.Insecure the only way to send a password or token that way.
// It sits under the authentication layer, so it sees each request as it
// leaves — final scheme, Authorization header — on the registry and on its
// token server alike. A POST is refused too: go-containerregistry's OAuth2
// exchange sends the password or refresh token in the body.
type plainHTTPGuard struct {
	next http.RoundTripper
}

// guardCredentials returns the transport under the authentication of a
// session with creds.
func guardCredentials(chain http.RoundTripper, creds credentials) http.RoundTripper {
	if creds.plainHTTP {
		return chain
	}
	return plainHTTPGuard{next: chain}
}

// RoundTrip implements http.RoundTripper.
func (g plainHTTPGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && (req.Header.Get("Authorization") != "" || req.Method == http.MethodPost) {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s is reached over plain HTTP; credentials go there only when insecure is allowed",
			ErrCredentialsOverHTTP, req.URL.Host)
	}
	return g.next.RoundTrip(req)
}
