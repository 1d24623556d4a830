package workload

import (
	"encoding/json"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// annotationPrefix marks the annotations the cache keeps.
const annotationPrefix = "imagepin.dev/"

// Strip is a cache transform (toolscache.TransformFunc) for ReplicaSets,
// ControllerRevisions and Jobs: it keeps identity, creation time, owners,
// imagepin's annotations and the Pod template's containers (name and
// image), imagepin's template annotations and labels. Everything else, most
// of all the Pod spec, is dropped. Other objects pass unchanged.
func Strip(obj any) (any, error) {
	switch o := obj.(type) {
	case *appsv1.ReplicaSet:
		return &appsv1.ReplicaSet{ObjectMeta: stripMeta(o.ObjectMeta),
			Spec: appsv1.ReplicaSetSpec{Template: stripTemplate(o.Spec.Template)}}, nil
	case *batchv1.Job:
		return &batchv1.Job{ObjectMeta: stripMeta(o.ObjectMeta),
			Spec: batchv1.JobSpec{Template: stripTemplate(o.Spec.Template)}}, nil
	case *appsv1.ControllerRevision:
		return &appsv1.ControllerRevision{ObjectMeta: stripMeta(o.ObjectMeta), Revision: o.Revision,
			Data: runtime.RawExtension{Raw: stripRevisionData(o.Data.Raw)}}, nil
	}
	return obj, nil
}

func stripMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion,
		CreationTimestamp: m.CreationTimestamp, DeletionTimestamp: m.DeletionTimestamp,
		OwnerReferences: m.OwnerReferences, Annotations: ours(m.Annotations),
	}
}

// ours keeps imagepin's keys of an annotation or label map.
func ours(m map[string]string) map[string]string {
	var out map[string]string
	for k, v := range m {
		if strings.HasPrefix(k, annotationPrefix) {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

func stripTemplate(t corev1.PodTemplateSpec) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: ours(t.Labels), Annotations: ours(t.Annotations)},
		Spec: corev1.PodSpec{
			InitContainers: stripContainers(t.Spec.InitContainers),
			Containers:     stripContainers(t.Spec.Containers),
		},
	}
}

func stripContainers(cs []corev1.Container) []corev1.Container {
	if len(cs) == 0 {
		return nil
	}
	out := make([]corev1.Container, len(cs))
	for i, c := range cs {
		out[i] = corev1.Container{Name: c.Name, Image: c.Image}
	}
	return out
}

// revisionData is the part of a ControllerRevision's data that imagepin
// reads: StatefulSets and DaemonSets store their Pod template there as a
// patch, {"spec":{"template":{…}}}.
type revisionData struct {
	Spec struct {
		Template corev1.PodTemplateSpec `json:"template"`
	} `json:"spec"`
}

// stripRevisionData re-encodes raw with the stripped template alone; data
// that is not a template patch is dropped.
func stripRevisionData(raw []byte) []byte {
	var d revisionData
	if len(raw) == 0 || json.Unmarshal(raw, &d) != nil {
		return nil
	}
	d.Spec.Template = stripTemplate(d.Spec.Template)
	out, err := json.Marshal(d)
	if err != nil {
		return nil
	}
	return out
}

// RevisionTemplate returns the Pod template of a revision object (as the
// cache holds it, or whole), and false for other objects.
func RevisionTemplate(obj runtime.Object) (corev1.PodTemplateSpec, bool) {
	switch o := obj.(type) {
	case *appsv1.ReplicaSet:
		return o.Spec.Template, true
	case *batchv1.Job:
		return o.Spec.Template, true
	case *appsv1.ControllerRevision:
		var d revisionData
		if len(o.Data.Raw) == 0 || json.Unmarshal(o.Data.Raw, &d) != nil {
			return corev1.PodTemplateSpec{}, false
		}
		return d.Spec.Template, true
	}
	return corev1.PodTemplateSpec{}, false
}
