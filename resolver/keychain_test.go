package resolver

import (
	"encoding/base64"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
)

// credentialsFor resolves kc for image and returns what it would send.
func credentialsFor(t *testing.T, kc authn.Keychain, image string) authn.AuthConfig {
	t.Helper()
	repo, err := name.NewRepository(image)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := kc.Resolve(repo)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := authn.Authorization(t.Context(), auth)
	if err != nil {
		t.Fatal(err)
	}
	return *cfg
}

func TestKeychainFromDockerConfig(t *testing.T) {
	encoded := base64.StdEncoding.EncodeToString([]byte("hubuser:hubpass"))
	config := `{"auths": {
		"https://index.docker.io/v1/": {"auth": "` + encoded + `"},
		"registry.example.com": {"username": "host", "password": "p1"},
		"registry.example.com/team": {"username": "team", "password": "p2"}
	}}`
	kc, err := KeychainFromDockerConfig([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]authn.AuthConfig{
		"nginx":                          {Username: "hubuser", Password: "hubpass"},
		"registry.example.com/other/app": {Username: "host", Password: "p1"},
		"registry.example.com/team/app":  {Username: "team", Password: "p2"}, // longest prefix wins
		"ghcr.io/org/app":                {},                                 // anonymous
	}
	for image, want := range tests {
		if diff := cmp.Diff(want, credentialsFor(t, kc, image)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", image, diff)
		}
	}
}

func TestKeychainDockerIOMatchesDockerHub(t *testing.T) {
	for _, server := range []string{"docker.io", "https://docker.io", "index.docker.io"} {
		kc, err := KeychainFromDockerConfig([]byte(`{"auths":{"` + server + `":{"username":"u","password":"p"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		for _, image := range []string{"nginx", "docker.io/org/app"} {
			if got := credentialsFor(t, kc, image); got.Username != "u" {
				t.Errorf("server %s, image %s: credentials %+v, want u/p", server, image, got)
			}
		}
		if got := credentialsFor(t, kc, "ghcr.io/org/app"); got.Username != "" {
			t.Errorf("server %s: ghcr.io got %+v, want anonymous", server, got)
		}
	}
}

func TestKeychainFromDockerConfigRejectsGarbage(t *testing.T) {
	if _, err := KeychainFromDockerConfig([]byte("{not json")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestKeychainFromLegacyDockercfgSecret(t *testing.T) {
	kc, err := KeychainFromPullSecrets(corev1.Secret{
		Type: corev1.SecretTypeDockercfg,
		Data: map[string][]byte{corev1.DockerConfigKey: []byte(`{"quay.io": {"username": "u", "password": "p"}}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := credentialsFor(t, kc, "quay.io/org/app"); got.Username != "u" || got.Password != "p" {
		t.Errorf("credentials = %+v, want u/p", got)
	}
}
