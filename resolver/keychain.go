package resolver

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/authn/kubernetes"
	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
)

// KeychainFromDockerConfig returns a keychain for the content of a Docker
// config file (`{"auths": {...}}`), as found under the .dockerconfigjson key
// of a kubernetes.io/dockerconfigjson Secret or in ~/.docker/config.json.
// Matching follows the kubelet: the longest matching registry/path prefix
// wins, and registries without an entry are accessed anonymously.
// Entries for "docker.io" apply to Docker Hub images too, as in the kubelet.
// credsStore and credHelpers entries are ignored.
func KeychainFromDockerConfig(data []byte) (authn.Keychain, error) {
	secret := corev1.Secret{
		Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: data},
	}
	kc, err := KeychainFromPullSecrets(secret)
	if err != nil {
		return nil, fmt.Errorf("docker config: %w", err)
	}
	return kc, nil
}

// KeychainFromPullSecrets returns a keychain for Kubernetes image pull
// secrets (types kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg),
// e.g. an ImagePolicy's secretRef or a ServiceAccount's imagePullSecrets.
func KeychainFromPullSecrets(secrets ...corev1.Secret) (authn.Keychain, error) {
	// NewFromPullSecrets reads only the secrets; the context is unused.
	kc, err := kubernetes.NewFromPullSecrets(context.Background(), secrets)
	if err != nil {
		return nil, err
	}
	return dockerHubAlias{kc}, nil
}

// dockerHubAlias lets entries for "docker.io" match Docker Hub images, which
// go-containerregistry names "index.docker.io/..." (`kubectl create secret
// docker-registry --docker-server=docker.io` writes such entries).
type dockerHubAlias struct {
	authn.Keychain
}

// Resolve implements authn.Keychain.
func (k dockerHubAlias) Resolve(target authn.Resource) (authn.Authenticator, error) {
	auth, err := k.Keychain.Resolve(target)
	if err != nil || auth != authn.Anonymous || target.RegistryStr() != name.DefaultRegistry {
		return auth, err
	}
	return k.Keychain.Resolve(hubResource{target})
}

// hubResource names a Docker Hub resource "docker.io/...".
type hubResource struct {
	authn.Resource
}

// String implements authn.Resource.
func (r hubResource) String() string {
	return "docker.io" + strings.TrimPrefix(r.Resource.String(), name.DefaultRegistry)
}

// RegistryStr implements authn.Resource.
func (r hubResource) RegistryStr() string {
	return "docker.io"
}
