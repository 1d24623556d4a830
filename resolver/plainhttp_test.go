package resolver

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
)

// countCredentials counts the requests that reach f carrying credentials:
// an Authorization header or a token-endpoint POST (an OAuth2 password or
// refresh-token grant).
func countCredentials(f *front) *atomic.Int32 {
	var n atomic.Int32
	f.wrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "" || r.Method == http.MethodPost {
				n.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	})
	return &n
}

// TestNoCredentialsOverPlainHTTP talks to plain-HTTP registries on a
// loopback address, where go-containerregistry falls back from HTTPS to
// HTTP by itself: credentials are refused before they leave the process,
// unless the call allows plain HTTP (Access.Insecure).
func TestNoCredentialsOverPlainHTTP(t *testing.T) {
	secret := &authn.Basic{Username: "robot", Password: "s3cret"}
	tests := map[string]struct {
		protect func(f *front)
		access  Access
		wantErr bool
	}{
		"basic auth":                    {protect: func(f *front) { withBasic(f, "robot", "s3cret") }, access: Access{Auth: secret}, wantErr: true},
		"bearer token":                  {protect: func(f *front) { withBearer(f, "t0k3n") }, access: Access{Auth: secret}, wantErr: true},
		"identity token":                {protect: func(f *front) { withBearer(f, "t0k3n") }, access: Access{Auth: authn.FromConfig(authn.AuthConfig{IdentityToken: "refresh-me"})}, wantErr: true},
		"basic auth, insecure allowed":  {protect: func(f *front) { withBasic(f, "robot", "s3cret") }, access: Access{Auth: secret, Insecure: true}},
		"bearer token, anonymous":       {protect: func(f *front) { withBearer(f, "t0k3n") }},
		"bearer token, insecure policy": {protect: func(f *front) { withBearer(f, "t0k3n") }, access: Access{Auth: secret, Insecure: true}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFront(t)
			repo := f.repo(t, "private/app")
			push(t, repo, nil, "1.0")
			tc.protect(f)
			seen := countCredentials(f)
			r, _ := newResolver(t)

			_, listErr := r.ListTags(t.Context(), repo, tc.access)
			_, digestErr := r.Digest(t.Context(), repo.Tag("1.0"), nil, tc.access)
			for op, err := range map[string]error{"ListTags": listErr, "Digest": digestErr} {
				if tc.wantErr != errors.Is(err, ErrCredentialsOverHTTP) {
					t.Errorf("%s: err = %v, want ErrCredentialsOverHTTP: %v", op, err, tc.wantErr)
				}
				if !tc.wantErr && err != nil {
					t.Errorf("%s: %v", op, err)
				}
			}
			if tc.wantErr && seen.Load() != 0 {
				t.Errorf("%d requests carried credentials over plain HTTP", seen.Load())
			}
		})
	}
}

// TestCredentialsOverHTTPS: the same credentials pass over TLS.
func TestCredentialsOverHTTPS(t *testing.T) {
	f, ca := newTLSFront(t)
	repo := f.repo(t, "private/app")
	push(t, repo, nil, "1.0")
	withBasic(f, "robot", "s3cret")
	r, _ := newResolver(t)

	tags, err := r.ListTags(t.Context(), repo, Access{Auth: &authn.Basic{Username: "robot", Password: "s3cret"}, CAPEM: ca})
	if err != nil || len(tags) != 1 {
		t.Fatalf("ListTags = %v, %v", tags, err)
	}
}
