package resolver

import (
	"reflect"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
)

// TestCredentialKey: different credentials, transports or CAs never share
// a key, even when their fields run together into the same bytes; the
// same ones always do.
func TestCredentialKey(t *testing.T) {
	type access struct {
		cfg      authn.AuthConfig
		insecure bool
		ca       string
	}
	distinct := []access{
		{},
		{insecure: true},
		{ca: "CA"},
		{cfg: authn.AuthConfig{Username: "ab", Password: "c"}},
		{cfg: authn.AuthConfig{Username: "a", Password: "bc"}},
		{cfg: authn.AuthConfig{Username: "a\x00", Password: "c"}},
		{cfg: authn.AuthConfig{Password: "a"}},
		{cfg: authn.AuthConfig{Auth: "a"}},
		{cfg: authn.AuthConfig{IdentityToken: "a"}},
		{cfg: authn.AuthConfig{RegistryToken: "a"}},
		{cfg: authn.AuthConfig{RegistryToken: "a"}, ca: "\x01"},
		{cfg: authn.AuthConfig{RegistryToken: "a\x01\x01"}},
	}
	seen := map[string]access{}
	for _, a := range distinct {
		key := credentialKey(&a.cfg, a.insecure, []byte(a.ca))
		if other, dup := seen[key]; dup {
			t.Errorf("%+v and %+v share key %s", a, other, key)
		}
		seen[key] = a
		if again := credentialKey(&a.cfg, a.insecure, []byte(a.ca)); again != key {
			t.Errorf("%+v: key %s, then %s", a, key, again)
		}
	}
	if got, want := credentialKey(&authn.AuthConfig{}, false, nil), hashKey(&authn.AuthConfig{}, false, nil); got != want {
		t.Errorf("anonymous key %s, hashed %s", got, want)
	}
	// hashKey names every field: a field added to AuthConfig must be added
	// there, or two credentials that differ only in it would share a key.
	if n := reflect.TypeOf(authn.AuthConfig{}).NumField(); n != 5 {
		t.Errorf("authn.AuthConfig has %d fields; hashKey hashes 5", n)
	}
}
