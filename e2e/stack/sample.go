package stack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Names of the sample objects that the demo applies and the scenario builds on.
const (
	SampleNamespace  = "apps"
	SamplePolicy     = "podinfo"
	SampleDeployment = "podinfo"
	SampleContainer  = "podinfo"
	SampleRange      = ">=1.0.0 <2.0.0"
	SampleSchedule   = "@every 2s"

	PullSecret = "regcred"     // kubernetes.io/dockerconfigjson for the registry
	CASecret   = "registry-ca" // the registry's CA under ca.crt
	GitSecret  = "git-creds"   // username and password of the Git server
)

// NewNamespace returns a namespace with the imagepin.dev/pinning label set
// to pinning, or without the label when pinning is empty.
func NewNamespace(name, pinning string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if pinning != "" {
		ns.Labels = map[string]string{v1alpha1.PinningLabel: pinning}
	}
	return ns
}

// Secrets returns the registry and Git credentials and the registry CA as
// Secrets of namespace ns.
func (s *Stack) Secrets(ns string) ([]client.Object, error) {
	pull, err := s.PullSecret(ns, PullSecret, RegistryPassword)
	if err != nil {
		return nil, err
	}
	return []client.Object{pull,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: CASecret},
			Data: map[string][]byte{"ca.crt": s.Registry.CAPEM}},
		GitCredentials(ns, GitSecret, GitPassword),
	}, nil
}

// PullSecret returns a kubernetes.io/dockerconfigjson Secret for the
// registry with RegistryUser and password.
func (s *Stack) PullSecret(ns, name, password string) (*corev1.Secret, error) {
	auth := base64.StdEncoding.EncodeToString([]byte(RegistryUser + ":" + password))
	dockerConfig, err := json.Marshal(map[string]any{"auths": map[string]any{
		s.Registry.Host: map[string]string{"username": RegistryUser, "password": password, "auth": auth},
	}})
	if err != nil {
		return nil, fmt.Errorf("docker config: %w", err)
	}
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: dockerConfig}}, nil
}

// GitCredentials returns a Secret with GitUser and password for write-back.
func GitCredentials(ns, name, password string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: corev1.SecretTypeBasicAuth,
		StringData: map[string]string{"username": GitUser, "password": password}}
}

// Policy returns the sample ImagePolicy in namespace ns: the newest 1.x tag
// of Image, scanned every 2 s with the registry's credentials and CA, and
// written back to ValuesPath in the Git repository.
func (s *Stack) Policy(ns, name string) *v1alpha1.ImagePolicy {
	return &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ImagePolicySpec{
			Image:       s.Image,
			Schedule:    SampleSchedule,
			Select:      v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: SampleRange}},
			SecretRef:   &v1alpha1.LocalObjectReference{Name: PullSecret},
			CASecretRef: &v1alpha1.LocalObjectReference{Name: CASecret},
			WriteBack: &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{
				URL:       s.Git.URL,
				Branch:    s.Git.Branch,
				Path:      ValuesPath,
				SecretRef: &v1alpha1.LocalObjectReference{Name: GitSecret},
				Insecure:  true, // the test Git server speaks plain HTTP
			}},
		},
	}
}

// Deployment returns a Deployment in namespace ns whose Pods run Image:tag
// with the registry's pull secret.
func (s *Stack) Deployment(ns, name, tag string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers:       []corev1.Container{{Name: SampleContainer, Image: s.Image + ":" + tag}},
					ImagePullSecrets: []corev1.LocalObjectReference{{Name: PullSecret}},
				},
			},
		},
	}
}

// Create creates objs in order as the administrator.
func (s *Stack) Create(ctx context.Context, objs ...client.Object) error {
	for _, obj := range objs {
		if err := s.Client.Create(ctx, obj); err != nil {
			return fmt.Errorf("create %T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
		}
	}
	return nil
}
