package scanner

import (
	"context"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Credentials are watched so that fixing a Secret (or a ServiceAccount's
// imagePullSecrets) re-scans, within seconds, the policies that use it and
// are not Ready — not at their next backoff, which may be minutes away.
//
// The watch is on metadata only, in the manager's metadata cache (package
// metawatch, one for the process: write-back takes its Secret events from
// the same watch), which keeps nothing but each object's name, namespace
// and resourceVersion: an event says
// "this Secret changed", and the scan reads the Secret itself with a GET,
// as before. So no Secret data — nor an annotation such as kubectl's
// last-applied-configuration, which holds a Secret's data in full — is
// held in memory, while a watch still needs no labels on users' Secrets
// (which a label-filtered informer would). RBAC cannot grant metadata
// alone: the chart adds list and watch on Secrets and ServiceAccounts next
// to the get the scanner already had.

// kicks are policies to scan now, whatever their schedule or backoff.
type kicks struct {
	mu   sync.Mutex
	keys map[types.NamespacedName]struct{}
}

func (k *kicks) add(key types.NamespacedName) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[types.NamespacedName]struct{}{}
	}
	k.keys[key] = struct{}{}
}

// take reports whether key was kicked, and forgets it.
func (k *kicks) take(key types.NamespacedName) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.keys[key]
	delete(k.keys, key)
	return ok
}

// MetadataWatch hands out the events of the objects of a core kind, such
// as "Secret", seen by their metadata alone: a *metawatch.Cache.
type MetadataWatch interface {
	Source(kind string, h handler.TypedEventHandler[*metav1.PartialObjectMetadata, reconcile.Request]) source.Source
}

// watchCredentials adds the metadata watches of Secrets and ServiceAccounts
// to the controller b builds.
func (r *Reconciler) watchCredentials(b *ctrl.Builder) *ctrl.Builder {
	return b.WatchesRawSource(r.opts.Metadata.Source("Secret", onChange(r.policiesUsingSecret))).
		WatchesRawSource(r.opts.Metadata.Source("ServiceAccount", onChange(r.policiesUsingAccount)))
}

type metaEvents = handler.TypedFuncs[*metav1.PartialObjectMetadata, reconcile.Request]

// onChange enqueues what policies returns for a created object, or an
// updated one with a new resourceVersion (not a resync). A deletion fixes
// nothing, so it is left to the next scan.
func onChange(policies func(context.Context, *metav1.PartialObjectMetadata) []reconcile.Request) metaEvents {
	add := func(ctx context.Context, o *metav1.PartialObjectMetadata, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		for _, req := range policies(ctx, o) {
			q.Add(req)
		}
	}
	return metaEvents{
		CreateFunc: func(ctx context.Context, e event.TypedCreateEvent[*metav1.PartialObjectMetadata], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.Object, q)
		},
		UpdateFunc: func(ctx context.Context, e event.TypedUpdateEvent[*metav1.PartialObjectMetadata], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if e.ObjectOld.ResourceVersion != e.ObjectNew.ResourceVersion {
				add(ctx, e.ObjectNew, q)
			}
		},
	}
}

// policiesUsingSecret kicks the policies of s's namespace that are not Ready
// and use s: as secretRef, as caSecretRef, or through their service
// account's imagePullSecrets (read with a GET, once per account).
func (r *Reconciler) policiesUsingSecret(ctx context.Context, s *metav1.PartialObjectMetadata) []reconcile.Request {
	accounts := map[string]bool{} // service account → lists s
	return r.kickUnready(ctx, s.Namespace, func(p *v1alpha1.ImagePolicy) bool {
		if ref := p.Spec.SecretRef; ref != nil && ref.Name == s.Name {
			return true
		}
		if ref := p.Spec.CASecretRef; ref != nil && ref.Name == s.Name {
			return true
		}
		sa := p.Spec.ServiceAccountName
		if sa == "" {
			return false
		}
		if _, seen := accounts[sa]; !seen {
			accounts[sa] = r.accountLists(ctx, s.Namespace, sa, s.Name)
		}
		return accounts[sa]
	})
}

// policiesUsingAccount kicks the policies that are not Ready and name sa.
func (r *Reconciler) policiesUsingAccount(ctx context.Context, sa *metav1.PartialObjectMetadata) []reconcile.Request {
	return r.kickUnready(ctx, sa.Namespace, func(p *v1alpha1.ImagePolicy) bool {
		return p.Spec.ServiceAccountName == sa.Name
	})
}

// accountLists reports whether service account ns/sa lists secret among
// its imagePullSecrets.
func (r *Reconciler) accountLists(ctx context.Context, ns, sa, secret string) bool {
	var account corev1.ServiceAccount
	if err := r.opts.APIReader.Get(ctx, client.ObjectKey{Namespace: ns, Name: sa}, &account); err != nil {
		return false
	}
	return slices.ContainsFunc(account.ImagePullSecrets, func(ref corev1.LocalObjectReference) bool { return ref.Name == secret })
}

// kickUnready kicks and returns the policies of ns that are not Ready and
// for which uses holds.
func (r *Reconciler) kickUnready(ctx context.Context, ns string, uses func(*v1alpha1.ImagePolicy) bool) []reconcile.Request {
	var list v1alpha1.ImagePolicyList
	if err := r.opts.Client.List(ctx, &list, client.InNamespace(ns)); err != nil {
		logf.FromContext(ctx).V(1).Info("list policies for a credentials change", "namespace", ns, "error", err.Error())
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		p := &list.Items[i]
		if readyStatus(p) == metav1.ConditionTrue || !uses(p) {
			continue
		}
		key := types.NamespacedName{Namespace: p.Namespace, Name: p.Name}
		r.kicks.add(key)
		reqs = append(reqs, reconcile.Request{NamespacedName: key})
	}
	return reqs
}
