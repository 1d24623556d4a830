package rollout

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/policy/revision"
	"github.com/imagepin/imagepin/workload"
)

// workloadObject is a Deployment, StatefulSet or DaemonSet.
type workloadObject struct {
	kind     string
	obj      client.Object
	template corev1.PodTemplateSpec
}

// listWorkloads lists the Deployments, StatefulSets and DaemonSets of
// namespace from the API server.
func (c *Controller) listWorkloads(ctx context.Context, namespace string) ([]workloadObject, error) {
	var out []workloadObject
	var deps appsv1.DeploymentList
	if err := c.opts.APIReader.List(ctx, &deps, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("list Deployments of %s: %w", namespace, err)
	}
	for i := range deps.Items {
		out = append(out, workloadObject{"Deployment", &deps.Items[i], deps.Items[i].Spec.Template})
	}
	var sts appsv1.StatefulSetList
	if err := c.opts.APIReader.List(ctx, &sts, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("list StatefulSets of %s: %w", namespace, err)
	}
	for i := range sts.Items {
		out = append(out, workloadObject{"StatefulSet", &sts.Items[i], sts.Items[i].Spec.Template})
	}
	var dss appsv1.DaemonSetList
	if err := c.opts.APIReader.List(ctx, &dss, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("list DaemonSets of %s: %w", namespace, err)
	}
	for i := range dss.Items {
		out = append(out, workloadObject{"DaemonSet", &dss.Items[i], dss.Items[i].Spec.Template})
	}
	return out, nil
}

// eligible reports whether the webhook pins w's Pods for repo and w does
// not opt out of restarts (annotation imagepin.dev/rollout: disabled on the
// workload or its Pod template).
func eligible(w workloadObject, repo string) bool {
	if w.obj.GetDeletionTimestamp() != nil ||
		w.obj.GetAnnotations()[v1alpha1.RolloutAnnotation] == v1alpha1.RolloutDisabled ||
		w.template.Annotations[v1alpha1.RolloutAnnotation] == v1alpha1.RolloutDisabled {
		return false
	}
	return slices.Contains(workload.Repositories(w.template), repo)
}

// value is the rollout value of a template: the digests that a revision
// created at t runs, for each repository governed by a policy with strategy
// Restart. A repository whose change has not settled by t contributes the
// value before it; its own rollout follows. With settledOnly, a repository
// whose policy had chosen nothing that settled by t makes the value ""
// (nothing known ran then).
func (c *Controller) value(ctx context.Context, namespace string, tmpl corev1.PodTemplateSpec, t time.Time, settledOnly bool) (string, error) {
	digests := map[string]string{}
	for _, repo := range workload.Repositories(tmpl) {
		ref, err := name.NewRepository(repo)
		if err != nil {
			continue
		}
		pol, found, err := c.policies.Lookup(ctx, namespace, ref)
		if err != nil {
			return "", err
		}
		if !found || pol.Strategy != v1alpha1.RolloutRestart {
			continue
		}
		choose := revision.Choose
		if settledOnly {
			choose = revision.Settled
		}
		e, ok := choose(pol.Entries(), t)
		switch {
		case ok:
			digests[repo] = digestOf(e)
		case settledOnly && pol.Current() != nil:
			return "", nil
		}
	}
	if len(digests) == 0 {
		return "", nil
	}
	return revision.RolloutValue(digests), nil
}

func digestOf(e v1alpha1.ImageRecord) string {
	if e.Digest != "" {
		return e.Digest
	}
	d, err := name.NewDigest(e.Image)
	if err != nil {
		return e.Image
	}
	return d.DigestStr()
}

func repositoryOf(p *v1alpha1.ImagePolicy) (string, bool) {
	return governing.Repository(p.Spec.Image)
}

// applyConfiguration is the server-side apply request that owns the rollout
// annotation of w's Pod template and nothing else.
func applyConfiguration(w workloadObject, value string) runtime.ApplyConfiguration {
	tmpl := corev1ac.PodTemplateSpec().WithAnnotations(map[string]string{v1alpha1.RolloutAnnotation: value})
	name, ns := w.obj.GetName(), w.obj.GetNamespace()
	switch w.kind {
	case "StatefulSet":
		return appsv1ac.StatefulSet(name, ns).WithSpec(appsv1ac.StatefulSetSpec().WithTemplate(tmpl))
	case "DaemonSet":
		return appsv1ac.DaemonSet(name, ns).WithSpec(appsv1ac.DaemonSetSpec().WithTemplate(tmpl))
	}
	return appsv1ac.Deployment(name, ns).WithSpec(appsv1ac.DeploymentSpec().WithTemplate(tmpl))
}
