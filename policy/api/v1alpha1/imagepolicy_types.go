package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImagePolicy tells imagepin which tags of one image repository are allowed,
// how to pick the newest of them, and where to record the choice. The
// scanner fills in the status; the webhook pins Pods to status.current.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ipol,categories=imagepin
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.image`
// +kubebuilder:printcolumn:name="Tag",type=string,JSONPath=`.status.current.tag`
// +kubebuilder:printcolumn:name="Digest",type=string,JSONPath=`.status.current.shortDigest`
// +kubebuilder:printcolumn:name="Source",type=string,JSONPath=`.status.current.source`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Message",type=string,priority=1,JSONPath=`.status.conditions[?(@.type=="Ready")].message`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ImagePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what the user asks for.
	// +required
	Spec ImagePolicySpec `json:"spec"`

	// Status is what imagepin found and enforces.
	// +optional
	Status ImagePolicyStatus `json:"status,omitempty"`
}

// ImagePolicyList is a list of ImagePolicy objects.
//
// +kubebuilder:object:root=true
type ImagePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the policies.
	Items []ImagePolicy `json:"items"`
}

// ImagePolicySpec selects the allowed tags of one repository.
type ImagePolicySpec struct {
	// Image is the repository to watch, without tag or digest, for example
	// ghcr.io/stefanprodan/podinfo. Short Docker Hub names (nginx) are
	// accepted and mean docker.io/library/nginx.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="!self.contains('@')",message="must be a repository without a digest: drop '@sha256:...' (pin a digest with spec.pin.digest)"
	// +kubebuilder:validation:XValidation:rule="!self.substring(self.lastIndexOf('/') + 1).contains(':')",message="must be a repository without a tag: drop ':<tag>' (choose tags with spec.select)"
	Image string `json:"image"`

	// Schedule says when the registry is scanned: a 5-field cron expression
	// ("*/5 * * * *"), or a descriptor such as "@hourly" or "@every 2m".
	// A change of the spec triggers a scan at once regardless. Empty means
	// the default.
	// +optional
	// +kubebuilder:default="@every 5m"
	// +kubebuilder:validation:MaxLength=128
	Schedule string `json:"schedule,omitempty"`

	// Select is the strategy that picks the latest allowed tag.
	// +required
	Select TagSelection `json:"select"`

	// FilterTags narrows the tags that Select considers.
	// +optional
	FilterTags *TagFilter `json:"filterTags,omitempty"`

	// Platform picks one manifest of a multi-platform image, as os/arch or
	// os/arch/variant (linux/arm64). Empty pins the index digest, which is
	// safe on nodes of every architecture.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self == '' || self.matches('^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9.]+)?$')",message="must be os/arch or os/arch/variant, for example linux/arm64"
	Platform string `json:"platform,omitempty"`

	// Pin freezes status.current on one tag or digest: this is how a rollout
	// is rolled back. Scanning goes on and status.latest keeps moving; the
	// webhook enforces the pin until it is removed.
	// +optional
	Pin *Pin `json:"pin,omitempty"`

	// Suspend stops scanning. The webhook keeps enforcing status.current.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// SecretRef names a kubernetes.io/dockerconfigjson Secret in the policy's
	// namespace with credentials for the registry.
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`

	// ServiceAccountName names a ServiceAccount in the policy's namespace
	// whose imagePullSecrets are used as registry credentials.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// Insecure talks plain HTTP to the registry. Use it only for registries
	// on a trusted network.
	// +optional
	Insecure bool `json:"insecure,omitempty"`

	// CASecretRef names a Secret in the policy's namespace whose key ca.crt
	// holds extra PEM certificates to trust for the registry.
	// +optional
	CASecretRef *LocalObjectReference `json:"caSecretRef,omitempty"`

	// WriteBack records every change of status.current in Git.
	// +optional
	WriteBack *WriteBack `json:"writeBack,omitempty"`

	// Rollout says how a change of status.current reaches the workloads
	// that run the repository. Absent means strategy Restart.
	// +optional
	Rollout *Rollout `json:"rollout,omitempty"`
}

// RolloutStrategy says how a change of status.current reaches workloads.
// +kubebuilder:validation:Enum=Restart;None
type RolloutStrategy string

const (
	// RolloutRestart starts a rollout of every Deployment, StatefulSet and
	// DaemonSet of the namespace whose Pods use the repository, through its
	// own update strategy.
	RolloutRestart RolloutStrategy = "Restart"
	// RolloutNone leaves running workloads alone: a change reaches a
	// workload at its next rollout (a GitOps sync, kubectl rollout restart).
	RolloutNone RolloutStrategy = "None"
)

// Rollout configures how changes of status.current are rolled out.
type Rollout struct {
	// Strategy is Restart (the default) or None.
	// +optional
	// +kubebuilder:default=Restart
	Strategy RolloutStrategy `json:"strategy,omitempty"`
}

// RolloutStrategyOf returns the strategy of spec, Restart when unset.
func RolloutStrategyOf(spec *ImagePolicySpec) RolloutStrategy {
	if spec.Rollout == nil || spec.Rollout.Strategy == "" {
		return RolloutRestart
	}
	return spec.Rollout.Strategy
}

// Pin is one tag or one digest of the policy's repository.
//
// +kubebuilder:validation:XValidation:rule="has(self.tag) != has(self.digest)",message="set exactly one of tag or digest"
type Pin struct {
	// Tag is resolved to its digest when the pin is applied.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9_][A-Za-z0-9_.-]*$')",message="must be a valid image tag: letters, digits, '_', '.' and '-', not starting with '.' or '-'"
	Tag string `json:"tag,omitempty"`

	// Digest is used as is, for example sha256:4f1c....
	// +optional
	// +kubebuilder:validation:MaxLength=71
	// +kubebuilder:validation:XValidation:rule="self.matches('^sha256:[a-f0-9]{64}$')",message="must be 'sha256:' followed by 64 lowercase hex digits"
	Digest string `json:"digest,omitempty"`
}

// LocalObjectReference names an object in the policy's namespace.
type LocalObjectReference struct {
	// Name of the object.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}
