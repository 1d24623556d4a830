package receiver

import (
	"context"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// noPolicies and noPatches fail the test when used: the requests under
// test must never reach the API.
type noPolicies struct{ t *testing.T }

func (n noPolicies) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	n.t.Error("the receiver read from the API")
	return nil
}

func (n noPolicies) List(context.Context, client.ObjectList, ...client.ListOption) error {
	n.t.Error("the receiver listed policies")
	return nil
}

type noPatches struct{ t *testing.T }

func (n noPatches) Patch(context.Context, client.Object, client.Patch, ...client.PatchOption) error {
	n.t.Error("the receiver patched a policy")
	return nil
}

func farFuture() time.Time { return time.Now().Add(24 * time.Hour) }
