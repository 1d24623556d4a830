package scanrequest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Patcher patches objects (a client.Client).
type Patcher interface {
	Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error
}

// NewValue returns the annotation value of a request made at now: the time
// in RFC 3339 with nanoseconds, so that every request differs from the last.
func NewValue(now time.Time) string {
	return now.UTC().Format(time.RFC3339Nano)
}

// Request asks for a scan of the policy key by setting the annotation to
// value. It is a merge patch of that one annotation: it needs no fresh copy
// of the policy and leaves every other field to its owners.
func Request(ctx context.Context, c Patcher, key types.NamespacedName, value string) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{v1alpha1.ScanRequestedAnnotation: value}},
	})
	if err != nil {
		return fmt.Errorf("scan request patch: %w", err)
	}
	p := &v1alpha1.ImagePolicy{}
	p.Namespace, p.Name = key.Namespace, key.Name
	if err := c.Patch(ctx, p, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("request a scan of ImagePolicy %s: %w", key, err)
	}
	return nil
}

// maxRecord is the longest value status.lastHandledScanAt takes (its CRD
// maxLength).
const maxRecord = 256

// Pending returns the request on p that its scanner has not handled yet.
func Pending(p *v1alpha1.ImagePolicy) (string, bool) {
	v := p.Annotations[v1alpha1.ScanRequestedAnnotation]
	return v, v != "" && Record(v) != p.Status.LastHandledScanAt
}

// Record is what status.lastHandledScanAt holds once value is handled: the
// value itself, or for a value longer than the field allows (anyone who may
// edit the policy can write any annotation) its SHA-256, so that a long
// value neither breaks the status update nor stays pending for ever.
func Record(value string) string {
	if len(value) <= maxRecord {
		return value
	}
	sum := sha256.Sum256([]byte(value))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Handled reports whether p's status records value as handled.
func Handled(p *v1alpha1.ImagePolicy, value string) bool {
	return p.Status.LastHandledScanAt == Record(value)
}
