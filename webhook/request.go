package webhook

import (
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/workload"
)

// ephemeralContainers is the Pod subresource through which ephemeral
// containers are added (kubectl debug).
const ephemeralContainers = "ephemeralcontainers"

// Container lists of a Pod, as named in its JSON.
const (
	fieldInit      = "initContainers"
	fieldMain      = "containers"
	fieldEphemeral = "ephemeralContainers"
)

// podView is the part of a Pod the handler reads. Decoding only this keeps
// the hot path cheap and lets the patch be made on the raw object, where
// fields unknown to this binary survive.
type podView struct {
	Metadata metaView `json:"metadata"`
	Spec     struct {
		InitContainers      []containerView               `json:"initContainers"`
		Containers          []containerView               `json:"containers"`
		EphemeralContainers []containerView               `json:"ephemeralContainers"`
		ImagePullSecrets    []corev1.LocalObjectReference `json:"imagePullSecrets"`
	} `json:"spec"`
}

// metaView is the part of a Pod's metadata the handler reads.
type metaView struct {
	Name            string            `json:"name"`
	GenerateName    string            `json:"generateName"`
	Labels          map[string]string `json:"labels"`
	Annotations     map[string]string `json:"annotations"`
	OwnerReferences []ownerView       `json:"ownerReferences"`
	// present is true when the object has a metadata object, which a patch
	// can add a member to; the API server always sends one, a fuzzer not.
	present bool
}

// UnmarshalJSON decodes m and records that it was present.
func (m *metaView) UnmarshalJSON(data []byte) error {
	type plain metaView
	if string(data) == "null" {
		return nil
	}
	if err := json.Unmarshal(data, (*plain)(m)); err != nil {
		return err
	}
	m.present = true
	return nil
}

// ownerView is the part of an owner reference the handler reads.
type ownerView struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Controller *bool  `json:"controller"`
}

// controller returns the Pod's controlling owner, or a zero Owner.
func (p *podView) controller() workload.Owner {
	for _, o := range p.Metadata.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			return workload.Owner{APIVersion: o.APIVersion, Kind: o.Kind, Name: o.Name}
		}
	}
	return workload.Owner{}
}

// containerView is the part of a container the handler reads.
type containerView struct {
	Name  string `json:"name"`
	Image string `json:"image"`
}

// target is one container image the request may pin.
type target struct {
	field string // fieldInit, fieldMain or fieldEphemeral
	index int
	name  string
	image string
}

// isPod reports whether req is about core/v1 Pods.
func isPod(req admission.Request) bool {
	return req.Kind.Group == "" && req.Kind.Kind == "Pod" && req.Resource.Resource == "pods"
}

// relevant reports whether the operation and subresource of req can bring
// new images: a Pod's creation, its update, or new ephemeral containers.
func relevant(req admission.Request) bool {
	switch req.SubResource {
	case "":
		return req.Operation == admissionv1.Create || req.Operation == admissionv1.Update
	case ephemeralContainers:
		return req.Operation == admissionv1.Update
	}
	return false
}

// decodePod reads the Pod of raw. json is apimachinery's: case-sensitive
// like the API server, so the view sees the same fields as the raw patch.
func decodePod(raw []byte, what string) (*podView, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s is empty", what)
	}
	pod := &podView{}
	if err := json.Unmarshal(raw, pod); err != nil {
		return nil, fmt.Errorf("decode %s as a Pod: %w", what, err)
	}
	return pod, nil
}

// targets lists the images of pod that this request brings: all of them on
// CREATE; on UPDATE only those whose container is new or has a new image,
// because re-pinning an unchanged image of a running Pod would restart it.
// The ephemeralcontainers subresource can change nothing but ephemeral
// containers, so only those count there.
func targets(pod, old *podView, subresource string) []target {
	lists := map[string][]containerView{fieldEphemeral: pod.Spec.EphemeralContainers}
	if subresource == "" {
		lists[fieldInit], lists[fieldMain] = pod.Spec.InitContainers, pod.Spec.Containers
	}
	before := oldImages(old)
	var out []target
	for _, field := range []string{fieldInit, fieldMain, fieldEphemeral} {
		for i, c := range lists[field] {
			if img, ok := before[c.Name]; ok && img == c.Image {
				continue
			}
			out = append(out, target{field: field, index: i, name: c.Name, image: c.Image})
		}
	}
	return out
}

// oldImages maps the container names of old (nil on CREATE) to their images.
func oldImages(old *podView) map[string]string {
	if old == nil {
		return nil
	}
	m := map[string]string{}
	for _, list := range [][]containerView{old.Spec.InitContainers, old.Spec.Containers, old.Spec.EphemeralContainers} {
		for _, c := range list {
			m[c.Name] = c.Image
		}
	}
	return m
}
