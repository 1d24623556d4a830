package resolver

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Access says how one call reaches its registry. Policies in different
// namespaces use different Secrets, so it is passed per call, not per
// Resolver. The zero value is anonymous HTTPS with the system CAs.
type Access struct {
	// Keychain finds the credentials for the repository, e.g. one built by
	// KeychainFromDockerConfig. Nil means anonymous unless Auth is set.
	Keychain authn.Keychain
	// Auth is a fixed authenticator; set Keychain or Auth, not both.
	Auth authn.Authenticator
	// Insecure allows plain HTTP: HTTPS is tried first, then HTTP.
	// Certificates are still verified when HTTPS answers.
	Insecure bool
	// CAPEM holds extra PEM-encoded CA certificates trusted in addition to
	// the system's, e.g. the ca.crt of an ImagePolicy's caSecretRef.
	CAPEM []byte
}

// credentials are the resolved credentials of one call and the identity
// under which transports and cache entries made with them are shared.
type credentials struct {
	auth authn.Authenticator
	key  string
	// plainHTTP: there is nothing to protect, or the call allows plain HTTP.
	plainHTTP bool
}

// resolve finds the credentials for repo. The key hashes the credentials
// themselves (not the keychain's identity), so a keychain rebuilt from the
// same Secret on every scan still reuses the transports of the last scan.
func (a Access) resolve(ctx context.Context, repo name.Repository) (credentials, error) {
	auth := a.Auth
	if a.Keychain != nil {
		if a.Auth != nil {
			return credentials{}, errors.New("access: set Keychain or Auth, not both")
		}
		var err error
		if auth, err = authn.Resolve(ctx, a.Keychain, repo); err != nil {
			return credentials{}, fmt.Errorf("find credentials for %s: %w", repo, err)
		}
	}
	if auth == nil {
		auth = authn.Anonymous
	}
	cfg, err := authn.Authorization(ctx, auth)
	if err != nil {
		return credentials{}, fmt.Errorf("read credentials for %s: %w", repo, err)
	}
	return credentials{auth: authn.FromConfig(*cfg), key: credentialKey(cfg, a.Insecure, a.CAPEM),
		plainHTTP: a.Insecure || *cfg == authn.AuthConfig{}}, nil
}

// anonymousKey is the credentialKey of anonymous HTTPS with the system
// CAs, the access of most lookups, computed once.
var anonymousKey = hashKey(&authn.AuthConfig{}, false, nil)

// credentialKey identifies cfg, insecure and caPEM together.
func credentialKey(cfg *authn.AuthConfig, insecure bool, caPEM []byte) string {
	if *cfg == (authn.AuthConfig{}) && !insecure && len(caPEM) == 0 {
		return anonymousKey
	}
	return hashKey(cfg, insecure, caPEM)
}

// hashKey is the SHA-256 of every field of cfg, insecure and caPEM, each
// prefixed with its length, so that no two different inputs run together
// into the same bytes (a Secret's author must not be able to share another
// Secret's cache entries).
func hashKey(cfg *authn.AuthConfig, insecure bool, caPEM []byte) string {
	sum := sha256.New()
	var buf []byte
	for _, part := range []string{cfg.Username, cfg.Password, cfg.Auth, cfg.IdentityToken, cfg.RegistryToken,
		string(boolByte(insecure)), string(caPEM)} {
		buf = binary.AppendUvarint(buf[:0], uint64(len(part)))
		sum.Write(buf)
		sum.Write([]byte(part))
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// repository returns repo with its registry marked insecure when the call
// allows plain HTTP.
func (a Access) repository(repo name.Repository) name.Repository {
	if a.Insecure {
		reg, err := name.NewRegistry(repo.RegistryStr(), name.Insecure)
		if err == nil {
			repo.Registry = reg
		}
	}
	return repo
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
