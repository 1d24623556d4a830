package stack

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// WaitRolledOut waits until the rollout of Deployment ns/name has completed
// as `kubectl rollout status` sees it: every replica updated and available
// and no old one left. Only a stack with Nodes completes rollouts.
func (s *Stack) WaitRolledOut(ctx context.Context, ns, name string) (*appsv1.Deployment, error) {
	var dep appsv1.Deployment
	key := client.ObjectKey{Namespace: ns, Name: name}
	err := wait.PollUntilContextTimeout(ctx, pollInterval, StepTimeout, true, func(ctx context.Context) (bool, error) {
		if err := s.Client.Get(ctx, key, &dep); err != nil {
			return false, nil // the API server may be slow to answer; keep trying
		}
		return rolledOut(&dep), nil
	})
	if err != nil {
		return nil, fmt.Errorf("rollout of Deployment %s: %w; its status: %+v", key, err, dep.Status)
	}
	return &dep, nil
}

func rolledOut(dep *appsv1.Deployment) bool {
	want, st := ptr.Deref(dep.Spec.Replicas, 1), dep.Status
	return st.ObservedGeneration >= dep.Generation && st.UpdatedReplicas == want &&
		st.Replicas == want && st.AvailableReplicas == want
}
