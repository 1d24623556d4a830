package validation

import (
	"context"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Validator is the validating admission check of ImagePolicy objects.
type Validator struct{}

var _ admission.Validator[*v1alpha1.ImagePolicy] = Validator{}

// NewWebhook returns the admission webhook that serves Validator; scheme must
// know the v1alpha1 types.
func NewWebhook(scheme *runtime.Scheme) *admission.Webhook {
	return admission.WithValidator[*v1alpha1.ImagePolicy](scheme, Validator{})
}

// ValidateCreate rejects a new policy whose spec cannot work.
func (Validator) ValidateCreate(_ context.Context, p *v1alpha1.ImagePolicy) (admission.Warnings, error) {
	return warnings(p), invalid(p)
}

// ValidateUpdate rejects a spec change that cannot work. Updates that leave
// the spec as it was (labels, finalizers) always pass, so that a policy
// admitted under older rules can still be relabelled or deleted.
func (Validator) ValidateUpdate(_ context.Context, old, p *v1alpha1.ImagePolicy) (admission.Warnings, error) {
	if equality.Semantic.DeepEqual(old.Spec, p.Spec) {
		return nil, nil
	}
	return warnings(p), invalid(p)
}

// ValidateDelete admits every deletion.
func (Validator) ValidateDelete(context.Context, *v1alpha1.ImagePolicy) (admission.Warnings, error) {
	return nil, nil
}

func invalid(p *v1alpha1.ImagePolicy) error {
	errs := Spec(&p.Spec, field.NewPath("spec"))
	if len(errs) == 0 {
		return nil
	}
	gk := v1alpha1.GroupVersion.WithKind("ImagePolicy").GroupKind()
	return apierrors.NewInvalid(gk, p.Name, errs)
}

func warnings(p *v1alpha1.ImagePolicy) admission.Warnings {
	var w admission.Warnings
	if p.Spec.Insecure {
		w = append(w, "spec.insecure: registry traffic to "+p.Spec.Image+" is plain HTTP, without TLS")
	}
	if p.Spec.WriteBack != nil {
		w = append(w, gitWarnings(&p.Spec.WriteBack.Git)...)
	}
	return w
}

// gitWarnings tell what happens to Git credentials over plain HTTP.
func gitWarnings(git *v1alpha1.GitWriteBack) admission.Warnings {
	if !strings.HasPrefix(strings.ToLower(git.URL), "http://") || git.SecretRef == nil {
		return nil
	}
	if git.Insecure {
		return admission.Warnings{"spec.writeBack.git.insecure: the Git credentials of secretRef are sent over plain HTTP, without TLS"}
	}
	return admission.Warnings{"spec.writeBack.git.url: the credentials of secretRef are not sent over plain http:// " +
		"(WrittenBack=False, reason CredentialsOverHTTP) unless spec.writeBack.git.insecure is true"}
}
