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

// repositoriesKey is a private annotation of cached revision objects only:
// Strip puts there the repositories of the object's Pod template
// (Repositories), comma-separated, and drops the template, whose
// containers would cost far more. It is never written to the API server:
// imagepin patches revisions with the difference between two cached copies,
// which both hold it.
const repositoriesKey = "imagepin.dev/.cached-template-repositories"

// Strip is a cache transform (toolscache.TransformFunc) for ReplicaSets,
// ControllerRevisions and Jobs. It keeps what imagepin reads — name,
// namespace, creation and deletion time, imagepin's annotations — and
// replaces the Pod template with the list of its repositories (see
// TemplateRepositories). Everything else is dropped; other objects pass
// unchanged, as do objects stripped already.
func Strip(obj any) (any, error) {
	switch o := obj.(type) {
	case *appsv1.ReplicaSet:
		return &appsv1.ReplicaSet{ObjectMeta: stripMeta(o.ObjectMeta, o.Spec.Template)}, nil
	case *batchv1.Job:
		return &batchv1.Job{ObjectMeta: stripMeta(o.ObjectMeta, o.Spec.Template)}, nil
	case *appsv1.ControllerRevision:
		if _, stripped := o.Annotations[repositoriesKey]; stripped {
			return &appsv1.ControllerRevision{ObjectMeta: stripMeta(o.ObjectMeta, corev1.PodTemplateSpec{})}, nil
		}
		tmpl, _ := revisionTemplate(o.Data.Raw)
		return &appsv1.ControllerRevision{ObjectMeta: stripMeta(o.ObjectMeta, tmpl)}, nil
	}
	return obj, nil
}

// stripMeta keeps the metadata imagepin reads and the repositories of tmpl.
func stripMeta(m metav1.ObjectMeta, tmpl corev1.PodTemplateSpec) metav1.ObjectMeta {
	ann := map[string]string{}
	for k, v := range m.Annotations {
		if strings.HasPrefix(k, annotationPrefix) {
			ann[k] = v
		}
	}
	if _, stripped := m.Annotations[repositoriesKey]; !stripped {
		ann[repositoriesKey] = strings.Join(Repositories(tmpl), ",")
	}
	return metav1.ObjectMeta{
		Name: m.Name, Namespace: m.Namespace, ResourceVersion: m.ResourceVersion,
		CreationTimestamp: m.CreationTimestamp, DeletionTimestamp: m.DeletionTimestamp,
		Annotations: ann,
	}
}

// TemplateRepositories returns the repositories that a revision object's
// Pod template names by tag (Repositories), from the object as the cache
// holds it (stripped) or whole; false for other objects.
func TemplateRepositories(obj runtime.Object) ([]string, bool) {
	if m, ok := obj.(metav1.Object); ok {
		if v, stripped := m.GetAnnotations()[repositoriesKey]; stripped {
			if v == "" {
				return nil, true
			}
			return strings.Split(v, ","), true
		}
	}
	tmpl, ok := RevisionTemplate(obj)
	if !ok {
		return nil, false
	}
	return Repositories(tmpl), true
}

// revisionData is the part of a ControllerRevision's data that imagepin
// reads: StatefulSets and DaemonSets store their Pod template there as a
// patch, {"spec":{"template":{…}}}.
type revisionData struct {
	Spec struct {
		Template corev1.PodTemplateSpec `json:"template"`
	} `json:"spec"`
}

// revisionTemplate decodes the Pod template of a ControllerRevision's data.
func revisionTemplate(raw []byte) (corev1.PodTemplateSpec, bool) {
	var d revisionData
	if len(raw) == 0 || json.Unmarshal(raw, &d) != nil {
		return corev1.PodTemplateSpec{}, false
	}
	return d.Spec.Template, true
}

// RevisionTemplate returns the Pod template of a whole revision object,
// and false for other objects. Objects from the cache have none: use
// TemplateRepositories.
func RevisionTemplate(obj runtime.Object) (corev1.PodTemplateSpec, bool) {
	switch o := obj.(type) {
	case *appsv1.ReplicaSet:
		return o.Spec.Template, true
	case *batchv1.Job:
		return o.Spec.Template, true
	case *appsv1.ControllerRevision:
		return revisionTemplate(o.Data.Raw)
	}
	return corev1.PodTemplateSpec{}, false
}
